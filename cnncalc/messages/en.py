"""English: the catalogue every other language follows, key for key (cnncalc/messages)."""

# Keys are "area.what", grouped by area below; each area ends with its own marker comment so
# that work on different areas lands as separate hunks. Templates are str.format strings:
# {name} is a field, {{ and }} are literal braces.

MESSAGES: dict[str, str] = {
    # --- cli: the command line, options, help --------------------------------------------
    # end cli
    # --- errors and the DSL parser ---------------------------------------------------------
    # end dsl
    # --- layer kinds (cnncalc/layers) ------------------------------------------------------
    # end layers
    # --- analysis and reports --------------------------------------------------------------
    # end analysis
    # --- spec files, templates, settings ---------------------------------------------------
    # end specs
    # --- check and budgets -----------------------------------------------------------------
    # end check
    # --- diff ------------------------------------------------------------------------------
    # end diff
    # --- rendering: headings, totals, notes ------------------------------------------------
    # end render
    # --- the torch side: build, profile, devices -------------------------------------------
    # end torch
    # --- from_torch and export (issue 10) --------------------------------------------------
    # end torch_io
    # --- new layer kinds, references, the decoder zoo (issue 11) ---------------------------
    # end kinds
    # --- run, values, init, worked examples (issue 12) -------------------------------------
    # end run
    # --- roofline (issue 13) ---------------------------------------------------------------
    # end roofline
    # --- the CI gate: structural diff, --base, growth (issue 15) ---------------------------
    # end gate
}
