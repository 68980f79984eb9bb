"""한국어 (Korean): the same keys as en.py, each translated; the seed notes' own words where they have them."""

# Keys are "area.what", grouped by area below; each area ends with its own marker comment so
# that work on different areas lands as separate hunks. Templates are str.format strings:
# {name} is a field, {{ and }} are literal braces.

MESSAGES: dict[str, str] = {
    # --- cli: the command line, options, help --------------------------------------------
    "cli.error_prefix": "오류: ",
    "cli.warning_prefix": "경고: ",
    "cli.unknown_language": "알 수 없는 언어 '{given}' ({source}에서 지정); cnncalc가 지원하는 언어: {languages}",
    "cli.usage_error": "{message} (옵션은 {where} --help 로 볼 수 있습니다)",
    "cli.interrupted": "중단됨",
    "cli.app.help": "컨볼루션 신경망의 계산기이자 프로파일러.\n\n신경망을 한 줄로 쓰거나(예: 'Conv:11x11x96/4p3-ReLU-Pool:3/2-FC:1000-SM'), 내장 명세의 이름(cnncalc list) 또는 .toml 명세 파일을 지정합니다.",
    "cli.app.short": "컨볼루션 신경망의 계산기이자 프로파일러.",
    "cli.option.spec": ".toml 명세 파일, 내장 이름(alexnet, lenet5, …) 또는 'In:32x32x3-Conv:3x3x16p1-ReLU-Pool-FC:10' 같은 DSL 텍스트.",
    "cli.option.debug": "오류의 트레이스백을 보여줍니다.",
    "cli.option.quiet": "경고를 출력하지 않습니다.",
    "cli.option.input": "입력 크기 HxWxC (또는 N); 명세의 값을 대신합니다.",
    "cli.option.format": "출력 형식.",
    "cli.option.version": "버전을 출력하고 끝냅니다.",
    "cli.option.lang": "메시지의 언어: en 또는 ko (기본값: $CNNCALC_LANG, 없으면 en).",
    "cli.shape.help": "층별 정적 표: 출력 크기, 가중치, MAC, 메모리, 수용장.\n\n예:\n\n  cnncalc shape alexnet\n\n  cnncalc shape 'In:32x32x3-Conv:5x5x10p2' --explain\n\n  cnncalc shape specs/lenet5.toml --columns +macs,rf --format markdown\n\n  cnncalc shape resnet50 --depth 1 --columns +macs",
    "cli.shape.batch": "배치 크기 (기본값: 명세의 \\[profile] batch, 없으면 1).",
    "cli.shape.dtype": "메모리 계산에 쓰는 원소당 바이트 (기본값: 명세의 값, 없으면 fp32).",
    "cli.shape.optimizer": "학습 메모리 추정에 포함할 옵티마이저 상태 (기본값: 명세의 값, 없으면 sgd).",
    "cli.shape.columns": "보여줄 열, 쉼표로 구분: layer, size, filters, stride, padding, output, weights, macs, flops, backward, other, memory, rf, jump, start, fan_in, fan_out, weights%, macs%; '+macs'는 기본 열에 더하고 'all'은 모두 보여줍니다.",
    "cli.shape.explain": "각 행의 크기 공식을 숫자와 함께 보여줍니다.",
    "cli.shape.strict": "출력 크기가 정수가 아니면 오류로 처리합니다.",
    "cli.shape.depth": "이 중첩 깊이까지의 행을 보여줍니다 (0: 최상위만); 더 깊은 행은 블록의 행에 접힙니다.",
    "cli.shape.expand": "모든 \\[blocks] 호출을 펼친 순수 DSL로 층을 출력하고 끝냅니다.",
    "cli.shape.expand_extra": "--expand는 층을 DSL 텍스트로 출력하므로 {options}은(는) 아무것도 바꾸지 않습니다 (보고서는 --expand 없이 실행하세요)",
    "cli.list.help": "내장 명세와 그 입력, 가중치, MAC, 설명.",
    "cli.list.sort": "family: 모델 계열별로 작은 것부터; 또는 macs, weights, name 순.",
    "cli.check.help": "각 명세의 \\[budget]을 검사합니다: 모두 예산 안이면 종료 코드 0, 하나라도 넘으면 1 (--require-budget이면 예산이 없는 명세도 1), 잘못된 입력은 2.\n\n예:\n\n  cnncalc check specs/\n\n  cnncalc check 'specs/*.toml' --format github\n\n  cnncalc check specs/alexnet.toml --profile --format junit > check.xml",
    "cli.check.specs": "명세 파일(.toml), 그 디렉터리나 글롭, 또는 내장 이름.",
    "cli.check.profile": "\\[budget.latency_ms]를 PyTorch로 측정합니다; 없으면 지연 시간 예산은 건너뜀으로 보고됩니다.",
    "cli.check.format": "출력 형식: 표, json, junit (XML), github (워크플로 명령) 또는 markdown.",
    "cli.check.require_budget": "검사할 \\[budget]이 없는 명세를 실패(종료 코드 1)로 처리합니다.",
    "cli.diff.help": "두 신경망을 나란히: 행을 맞추고 바뀐 곳을 표시하며 가중치, MAC, 메모리의 차이를 보여줍니다.\n\n예:\n\n  cnncalc diff alexnet my_alexnet.toml\n\n  cnncalc diff 'In:32x32x3-Conv:3x3x16p1-FC:10' 'In:32x32x3-Conv:3x3x32p1-FC:10'\n\n  cnncalc diff old.toml new.toml --format markdown",
    "cli.diff.a": "바뀌기 전의 신경망: {spec}",
    "cli.diff.b": "바뀐 뒤의 신경망, A와 같은 형식.",
    "cli.diff.input": "두 신경망의 입력 크기 HxWxC; 명세의 값을 대신합니다.",
    "cli.diff.batch": "두 신경망의 배치 크기 (기본값: 각 명세의 \\[profile] batch, 없으면 1).",
    "cli.diff.dtype": "두 신경망의 원소당 바이트 (기본값: 각 명세의 값, 없으면 fp32).",
    "cli.diff.optimizer": "학습 메모리 추정에 포함할 옵티마이저 상태.",
    "cli.profile.help": "신경망을 PyTorch로 만들어 FLOPs, 지연 시간, 메모리를 재고 정적 계산값과 나란히 보여줍니다.\n\n예:\n\n  cnncalc profile alexnet --device cpu\n\n  cnncalc profile resnet50 --device cuda --dtype bf16 --batch 32 --mode train\n\n  cnncalc profile lenet5 --per-layer --format json",
    "cli.profile.device": "cpu, cuda, cuda:N, mps 또는 auto (기본값: 명세 파일의 값, 없으면 cpu).",
    "cli.profile.batch": "배치 크기 (기본값: 명세 파일의 값, 없으면 1).",
    "cli.profile.dtype": "계산 dtype (기본값: 명세의 값, 없으면 fp32).",
    "cli.profile.mode": "추론, 학습 한 단계, 또는 둘 다의 시간을 잽니다 (기본값: 명세 파일의 값, 없으면 both).",
    "cli.profile.warmup": "시간을 재기 전에 재지 않고 돌리는 횟수 (기본값 3; 최대 10,000).",
    "cli.profile.min_time": "모드마다 시간을 재는 초 (기본값 1.0; 최대 3600).",
    "cli.profile.threads": "PyTorch의 CPU 스레드 수 (기본값: PyTorch의 값).",
    "cli.profile.per_layer": "순전파 훅으로 행마다의 시간도 잽니다.",
    "cli.profile.optimizer": "학습 단계의 옵티마이저와 메모리 계산에 넣을 그 상태 (기본값: 명세의 값, 없으면 sgd).",
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
    "render.column.layer": "층",
    "render.column.size": "필터/블록 크기",
    "render.column.filters": "필터 개수",
    "render.column.stride": "스트라이드",
    "render.column.padding": "패딩",
    "render.column.output": "노드개수 (출력 크기)",
    "render.column.weights": "학습대상 가중치 개수",
    "render.column.macs": "MACs",
    "render.column.flops": "FLOPs",
    "render.column.backward": "역전파 FLOPs",
    "render.column.other": "기타 연산",
    "render.column.memory": "활성화 메모리",
    "render.column.rf": "수용장",
    "render.column.jump": "점프",
    "render.column.start": "시작 위치",
    "render.column.fan_in": "fan-in",
    "render.column.fan_out": "fan-out",
    "render.column.weights%": "가중치 비율",
    "render.column.macs%": "MAC 비율",
    "render.column_help.layer": "행 이름 (종류:번호 또는 @라벨)",
    "render.column_help.size": "커널 KhxKwxC/G, 풀링 창, 또는 블록의 행 수",
    "render.column_help.filters": "필터의 개수",
    "render.column_help.stride": "스트라이드",
    "render.column_help.padding": "패딩",
    "render.column_help.output": "출력 H×W×C (=이미지 한 장의 원소 수)",
    "render.column_help.weights": "학습대상 가중치",
    "render.column_help.macs": "곱셈-누산 횟수 (배치 전체)",
    "render.column_help.flops": "2·MACs, FlopCounterMode가 세는 방식",
    "render.column_help.backward": "역전파 FLOPs (입력 기울기 + 가중치 기울기)",
    "render.column_help.other": "원소별 연산, FLOPs에 포함되지 않음",
    "render.column_help.memory": "추론 시 새로 생기는 활성화 메모리 (배치, dtype 기준)",
    "render.column_help.rf": "수용장 크기",
    "render.column_help.jump": "수용장 점프 (실효 스트라이드)",
    "render.column_help.start": "첫 출력이 보는 영역의 중심",
    "render.column_help.fan_in": "PyTorch 초기화가 계산하는 fan-in",
    "render.column_help.fan_out": "PyTorch 초기화가 계산하는 fan-out",
    "render.column_help.weights%": "막대: 전체 가중치 중 이 행의 비율",
    "render.column_help.macs%": "막대: 전체 MAC 중 이 행의 비율",
    "render.plain.layer": "층",
    "render.plain.size": "필터/블록 크기",
    "render.plain.filters": "필터 개수",
    "render.plain.stride": "스트라이드",
    "render.plain.padding": "패딩",
    "render.plain.output": "노드개수 (출력 크기)",
    "render.plain.weights": "학습대상 가중치 개수",
    "render.plain.macs": "MACs",
    "render.plain.flops": "FLOPs",
    "render.plain.backward": "역전파 FLOPs",
    "render.plain.other": "기타 연산",
    "render.plain.memory": "활성화 메모리",
    "render.plain.rf": "수용장",
    "render.plain.jump": "점프",
    "render.plain.start": "시작 위치",
    "render.plain.fan_in": "fan-in",
    "render.plain.fan_out": "fan-out",
    "render.plain.weights%": "가중치 비율",
    "render.plain.macs%": "MAC 비율",
    "render.unknown_column": "알 수 없는 열 '{key}'{hint}; 열은 다음과 같습니다: {columns} (또는 'all')",
    "render.input_row": "입력",
    "render.title": "입력 {input} (={numel})",
    "render.title_named": "{name} — 입력 {input} (={numel})",
    "render.total.weights": "가중치 개수",
    "render.total.buffers": "이동 통계",
    "render.total.buffers_value": "{count} (학습 대상 아님)",
    "render.total.weight_memory": "가중치 메모리 요구량",
    "render.total.weight_memory_value": "{dtype} 사용 시 {bytes}",
    "render.total.activations": "노드 개수",
    "render.total.activations_value": "{nodes}개 = {bytes} ({dtype}, 배치 {batch}; 입력은 제외, 원소별 층은 제자리 연산)",
    "render.total.peak": "추론 최대 메모리 요구량",
    "render.total.peak_value": "{bytes} = 가중치 + 동시에 살아 있는 텐서의 최대 합 ({live})",
    "render.total.macs": "MAC 연산 수",
    "render.total.flops": "FLOPs",
    "render.total.flops_value": "순전파 {flops} ({flops_short}) = 2·MAC; 역전파 {backward} ({backward_short})",
    "render.total.other": "기타 연산",
    "render.total.other_value": "{count} ({short}) 원소별 연산, FLOPs에 포함되지 않음",
    "render.total.training": "학습 메모리 요구량 ({optimizer})",
    "render.total.training_value": "{bytes} = 가중치 + 기울기 + 옵티마이저 상태 ({state}) + 역전파용 저장 ({saved})",
    "render.total.rf": "수용장",
    "render.total.rf_value": "{size} (점프 {jump})",
    "render.total.rf_whole": ", 마지막 공간 층 기준; GAP/FC는 입력 전체를 봄",
    "render.total.rf_none": "없음: 입력이 벡터이므로 FC 층이 전체를 봄",
    "render.list.title": "내장 명세 (cnncalc shape 이름)",
    "render.list.name": "이름",
    "render.list.input": "입력",
    "render.list.weights": "가중치 개수",
    "render.list.macs": "MACs",
    "render.list.memory": "fp32 가중치 메모리",
    "render.list.description": "설명",
    "render.warning_more_rows": "{rows} 외 {more}개 행",
    "render.warning_more_rows_plural": "{rows} 외 {more}개 행",
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
