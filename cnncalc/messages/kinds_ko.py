"""한국어 (Korean) messages of the new layer kinds (issue 11), kept apart so that ko.py stays under
the house's 450 lines; ko.py holds them in its `kinds` area."""

MESSAGES: dict[str, str] = {
    "kinds.too_large": "{kind}의 출력 크기 {side}이(가) cnncalc의 수 한계 {limit}을(를) 넘습니다",
    "kinds.needs_map": "{kind}에는 H×W×C 입력이 필요합니다. 받은 것은 길이 {n}의 평탄한 벡터입니다",
    "kinds.groups_divide": "{what}({n})은(는) groups({g})로 나누어떨어져야 합니다",
    "kinds.convt_needs_size": "ConvT에는 커널 크기와 필터 수가 필요합니다. 예: {example}",
    "kinds.convt_same": "ConvT: 'psame'은 Conv 전용입니다. 패딩은 pP로 쓰세요",
    "kinds.convt_out_pad": "ConvT: 출력 패딩 {op}은(는) PyTorch가 요구하듯 스트라이드({s})나 팽창({d})보다 작아야 합니다",
    "kinds.convt_empty": "출력 크기 {formula} ≤ 0 — 패딩이 출력 전체를 잘라냅니다",
    "kinds.convt_bare": "출력 패딩 {op}이(가) 패딩 {p}보다 큽니다: 마지막 출력 {what} {n}개는 입력 없이 바이어스만 받습니다",
    "kinds.convt_macs_note": " (입력 픽셀마다 커널을 한 번씩 뿌림)",
    "kinds.up_needs": "Up에는 배율 S나 출력 크기 HxW가 필요합니다. 예: {example} 또는 Up:56x56",
    "kinds.up_both": "Up: 'nearest'와 'bilinear' 중 하나만 고르세요",
    "kinds.ps_needs": "PS에는 업스케일 배율 r이 필요합니다. 예: {example}",
    "kinds.ps_channels": "PS:{r}에는 r² = {r2}(으)로 나누어떨어지는 채널 수가 필요합니다. 받은 값: {c}",
    "kinds.crop_needs": "Crop에는 출력 크기 HxW가 필요합니다. 예: {example}",
    "kinds.crop_larger": "{input} 입력에서 {size}을(를) 잘라낼 수 없습니다. 자르는 크기는 입력 안에 들어가야 합니다",
    "kinds.crop_explain": "{input}의 가운데 {size}: 위에서 {top}행, 왼쪽에서 {left}열을 잘라냄",
    "kinds.norm_explain": "{kind}는 {over}에 대해 정규화합니다. 가중치 2·{c} (γ, β) = {weights:,}",
    "kinds.gn_needs": "GN에는 그룹 수가 필요합니다. 예: {example}",
    "kinds.gn_groups": "GN: 그룹 {g}개로 채널 {c}개를 나눌 수 없습니다",
    "kinds.in_one_position": "InstNorm에는 채널마다 위치가 둘 이상 필요합니다. 받은 것: 1×1×{c} (PyTorch는 학습 중에 이를 거부합니다)",
    "kinds.in_explain": "각 이미지의 채널 {c}개를 각각 {h}·{w} 위치에 대해 정규화합니다. 가중치 없음",
    "kinds.scale_explain": "가중치: {c} (채널마다 곱셈 계수 하나)",
    "kinds.droppath_p": "DropPath: 확률은 0과 1 사이여야 합니다. 받은 값: {p}",
    "kinds.prelu_slopes": "PReLU:{n}에는 채널 {n}개가 필요합니다 (또는 모두에 기울기 1개). 받은 채널: {c}",
}
