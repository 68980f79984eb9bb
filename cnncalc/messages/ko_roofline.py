"""Korean messages of `cnncalc roofline` (issue 13), kept apart so that ko.py stays under the
house's 450 lines; ko.py merges them into its MESSAGES, in the roofline area."""

MESSAGES: dict[str, str] = {
    "roofline.unknown_preset": "알 수 없는 장치 프리셋 '{name}'{hint} (프리셋: {known})",
    "roofline.bad_rate": "{what}은(는) 989e12나 989T 같은 유한한 양수여야 합니다."
    " 받은 값: '{value}'",
    "roofline.need_peaks": "roofline에는 장치의 한계치가 필요합니다: --preset 이름 (예: h200),"
    " 또는 --peak-flops와 --bandwidth (예: --peak-flops 989e12 --bandwidth 3.35e12), 또는"
    " 측정하려면 --device cpu|cuda|mps",
    "roofline.method_given": "명령줄에서 준 최대치 (--peak-flops, --bandwidth)",
    "roofline.method_preset": "{title}의 데이터시트: {source}",
    "roofline.preset_dtype": "프리셋 '{name}'에는 {dtype}의 공개된 최대치가 없습니다 (있는 것:"
    " {listed}). {dtype}에는 --peak-flops를 주거나 다른 --dtype을 쓰세요",
    "roofline.bad_mode": "알 수 없는 roofline 모드 '{mode}'; infer 또는 train이어야 합니다",
    "roofline.beats_cache": "하한보다 {pct}% 빨랐습니다: 이 행의 바이트가 최종 단계 캐시에"
    " 들어가므로 DRAM에서 잰 메모리 대역폭보다 빠르게 캐시에서 실행되었습니다",
    "roofline.beats_floor": "하한보다 {pct}% 빨랐으며, 캐시로는 설명되지 않습니다 (연산"
    " 한계이거나 바이트가 캐시보다 큼): 측정한 최대치가 낮습니다 (측정 중 기계가 바빴나요?);"
    " --remeasure를 써 보세요",
    "roofline.budget_no_dtype": "프리셋 '{name}'에는 {dtype}의 공개된 최대치가 없습니다",
    "roofline.device_and_peaks": "--device는 장치의 최대치를 측정합니다. --preset,"
    " --peak-flops, --bandwidth와 함께 쓸 수 없습니다 (둘 중 하나만)",
    "roofline.measure_only": "--threads, --min-time, --remeasure는 측정용입니다: --device"
    " cpu|cuda|mps를 더하세요",
    "roofline.title": "{head}{device}의 roofline, {dtype}, 배치 {batch}, {mode}",
    "roofline.note_short": "하한 미만",
    "roofline.label_peaks": "한계치",
    "roofline.peaks_value": "최대 {flops} · 대역폭 {bw} · 능선 {ridge} FLOP/B",
    "roofline.label_floor": "지연 시간 하한",
    "roofline.label_measured": "측정값",
    "roofline.measured_value": "{ms} (신경망 전체의 중앙값; 하한은 그 {eff})",
    "roofline.label_method": "방법",
    "roofline.label_note": "참고",
    "roofline.help_preset": "장치의 데이터시트 최대치: h100-sxm, h200-sxm, a100-sxm,"
    " rtx-4090, m1-max, ryzen-7950x (별칭 h100, h200, a100, 4090, ddr5-desktop).",
    "roofline.help_peak_flops": "최대 FLOP/s, 예: 989e12 또는 989T (프리셋 값을 덮어씀).",
    "roofline.help_bandwidth": "메모리 대역폭 (바이트/초), 예: 3.35e12 또는 3.35T"
    " (프리셋 값을 덮어씀).",
    "roofline.help_device": "cpu, cuda, cuda:N 또는 mps의 최대치를 측정한 뒤 모든 행의 시간을"
    " 잽니다.",
    "roofline.help_batch": "배치 크기 (기본값: 스펙의 \\[profile] batch, 없으면 1).",
    "roofline.help_dtype": "원소당 바이트와 프리셋의 최대치 (기본값: 스펙의 값, 없으면 fp32).",
    "roofline.help_mode": "infer: 순전파 FLOPs와 바이트; train: 순전파와 역전파.",
    "roofline.help_threads": "측정에 쓸 CPU 스레드 (기본값: PyTorch의 값, 코어당 하나).",
    "roofline.help_min_time": "행별 시간을 잴 때 측정할 초 (기본값 1.0).",
    "roofline.help_remeasure": "캐시를 읽지 않고 장치의 최대치를 다시 측정합니다.",
    "roofline.help_plot": "roofline을 FILE.svg 또는 FILE.png로도 그립니다 (matplotlib 필요:"
    ' pip install "cnncalc[plot]").',
    "roofline.plot_written": "roofline 그림을 {path}에 썼습니다",
    "roofline.budget_table": "'roofline_ms'는 장치 프리셋 = 밀리초의 표여야 합니다."
    " 예: [budget.roofline_ms] h200 = 0.5",
    "roofline.measured_infer_only": "측정되는 행은 순전파입니다: --device는 --mode infer와"
    " 함께 씁니다 (정적 roofline은 --mode train도 받습니다)",
    "roofline.method_measured": "{name}에서 측정: 최대 FLOP/s는 {n}×{n} {dtype} 행렬곱의"
    " 가장 빠른 실행, 대역폭은 큰 복사와 큰 합 중 가장 좋은 값",
    "roofline.d_flops": "최대 FLOP/s",
    "roofline.d_flops_text": "{peak}: torch.matmul {n}×{n} {dtype} {runs}회 중 최고"
    " (중앙값 {median}, p10 {p10}, p90 {p90})",
    "roofline.d_reference": "기준 측정",
    "roofline.d_reference_text": "{ref}: torch.utils.benchmark.Timer(torch.matmul)"
    ".blocked_autorange 중앙값, 같은 크기와 스레드 (최대치 / 기준 = {ratio})",
    "roofline.d_bandwidth": "대역폭",
    "roofline.d_bandwidth_text": "{bw}: 복사 {copy} (읽기 + 쓰기로 셈)와 합 {read} (읽기로"
    " 셈) 중 최고, 텐서 크기 {size}",
    "roofline.d_threads": "스레드",
    "roofline.d_threads_text": "{threads} (--threads가 없으면 PyTorch 기본값, 물리 코어당"
    " 하나; 최대치와 행 모두 같은 수)",
    "roofline.d_cache": "최종 단계 캐시",
    "roofline.d_when": "최대치",
    "roofline.d_from_cache": "캐시 {path}에서 읽음 ({at}에 측정; 다시 재려면 --remeasure)",
    "roofline.d_measured_now": "지금 측정하여 {path}에 캐시함",
    "roofline.d_cache_failed": "지금 측정함; 캐시하지 못함 ({why})",
    "roofline.plot_missing": "--plot에는 matplotlib이 필요한데 설치되어 있지 않습니다: pip"
    ' install "cnncalc[plot]" (또는 pip install matplotlib)',
    "roofline.plot_suffix": "--plot은 .svg나 .png를 씁니다. '{path}'는 아닙니다",
    "roofline.plot_is_spec": "--plot {path}는 스펙 파일 자체입니다: 그림에는 다른 파일 이름을"
    " 주세요 (아무것도 쓰지 않았습니다)",
    "roofline.plot_is_dir": "--plot {path}는 디렉터리입니다: roofline.svg 같은 파일 이름을 주세요",
    "roofline.plot_failed": "그림을 {path}에 쓸 수 없습니다: {why}",
    "roofline.plot_title": "{name}{device}의 roofline ({dtype}, 배치 {batch})",
    "roofline.plot_x": "연산 강도 (옮긴 바이트당 FLOPs)",
    "roofline.plot_y": "도달 가능한 FLOP/s",
    "roofline.plot_ridge": "능선 {ridge} FLOP/B",
    "roofline.plot_weight_rows": "가중치 층 (Conv, FC)",
    "roofline.plot_other_rows": "다른 행",
    "roofline.plot_measured": "측정값 (달성한 FLOP/s)",
    "roofline.plot_no_flops": "FLOPs가 없는 행 {n}개 (원소별 연산)는 그리지 않음",
    "roofline.plot_no_dir": "--plot {path}: 그 디렉터리가 없습니다",
}
