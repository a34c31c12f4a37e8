from __future__ import annotations

import pytest

from fimrepair.fim import SENTINELS, Mode, choose_mode, fim_example, psm_prompt, sentinels, spm_prompt
from fimrepair.prompts import candidate_function, inference_prompt, tokenize_pair, training_pair
from fimrepair.region import split

DS = sentinels("deepseek-coder")
BUGGY = "    int f(int a) {\n        return a - 1;\n    }\n"
FIXED = "    int f(int a) {\n        return a + 1;\n    }\n"


def row(key: str = "r1") -> dict[str, str]:
    s = split(BUGGY, FIXED)
    return {
        "row_id": key,
        "benchmark": "t",
        "bug_id": "B",
        "prefix": s.prefix,
        "buggy_chunk": s.buggy_chunk,
        "fixed_chunk": s.fixed_chunk,
        "suffix": s.suffix,
    }


def test_deepseek_psm_and_spm_layouts():
    assert psm_prompt("P", "S", DS) == "<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>"
    assert spm_prompt("P", "S", DS) == "<｜fim▁begin｜><｜fim▁hole｜>S<｜fim▁end｜>P"


def test_unknown_sentinel_family_is_an_error():
    with pytest.raises(ValueError, match="unknown sentinel family"):
        sentinels("deepseek")
    assert set(SENTINELS) == {"deepseek-coder", "codellama", "starcoder"}


def test_mode_is_per_example_and_rates_converge():
    modes = [choose_mode(3, f"k{i}", 0.9, 0.5) for i in range(20000)]
    assert modes == [choose_mode(3, f"k{i}", 0.9, 0.5) for i in range(20000)]
    share = {m: modes.count(m) / len(modes) for m in Mode}
    assert abs(share[Mode.PLAIN] - 0.1) < 0.01
    assert abs(share[Mode.SPM] - 0.45) < 0.015 and abs(share[Mode.PSM] - 0.45) < 0.015
    assert all(choose_mode(3, f"k{i}", 0.9, 0.0) is not Mode.SPM for i in range(2000))
    assert all(choose_mode(3, f"k{i}", 1.0, 1.0) is Mode.SPM for i in range(2000))


@pytest.mark.parametrize("fim_rate, spm_rate", [(0.9, 0.5), (0.5, 0.2), (1.0, 0.5)])
def test_training_pair_mode_shares_follow_the_rates(fim_rate: float, spm_rate: float):
    """The real ``training_pair`` output over 4,000 rows: mode shares within 0.025 of
    ``1 - fim_rate`` (plain), ``fim_rate * spm_rate`` (SPM) and ``fim_rate * (1 - spm_rate)``
    (PSM). 0.025 is over 3 binomial standard deviations (at most 0.0079 here); the draws are
    hashes of (seed, row id), so the outcome is fixed, not random."""
    r = row()
    n = 4000
    modes = [
        training_pair({**r, "row_id": f"row-{i}"}, "fim", DS, seed=3, fim_rate=fim_rate, spm_rate=spm_rate)["mode"]
        for i in range(n)
    ]
    share = {m.value: modes.count(m.value) / n for m in Mode}
    expected = {"plain": 1 - fim_rate, "spm": fim_rate * spm_rate, "psm": fim_rate * (1 - spm_rate)}
    assert all(abs(share[m] - expected[m]) <= 0.025 for m in expected), (share, expected)


def test_fim_examples_carry_the_same_content():
    psm = fim_example("P", "M", "S", Mode.PSM, DS)
    spm = fim_example("P", "M", "S", Mode.SPM, DS)
    plain = fim_example("P", "M", "S", Mode.PLAIN, DS)
    assert psm[1] == spm[1] == "M"
    for prompt, _ in (psm, spm):
        assert "P" in prompt and "S" in prompt
    assert plain == ("P", "MS")


def test_training_pairs_and_inference_prompts():
    nofim = training_pair(row(), "nofim", DS, seed=1)
    assert nofim["completion"] == "        return a + 1;\n" and "<FILL_ME>" in nofim["prompt"]
    assert "//         return a - 1;" in nofim["prompt"]
    fim = training_pair(row(), "fim", DS, seed=1, fim_rate=1.0, spm_rate=0.0)
    assert fim["mode"] == "psm" and fim["prompt"] == inference_prompt(row(), "fim_ir4", DS)
    zero_shot = inference_prompt(row(), "fim_ir3", DS)
    assert "return a - 1" not in zero_shot and zero_shot.endswith(DS.middle)
    with pytest.raises(ValueError, match="unknown prompt style"):
        inference_prompt(row(), "ir9", DS)


def test_candidate_function_puts_the_middle_in_place():
    assert candidate_function(row(), "        return a + 1;") == FIXED
    assert candidate_function(row(), "        return a - 1;\n") == BUGGY


def test_tokenize_pair_marks_bos_and_eos(tiny_model_dir):
    from fimrepair.tokenizer import load_tokenizer

    tok = load_tokenizer(tiny_model_dir, DS)
    prompt, completion = (
        training_pair(row(), "fim", DS, seed=1, fim_rate=1.0, spm_rate=0.0)["prompt"],
        "        return a + 1;\n",
    )
    p_ids, c_ids = tokenize_pair(tok, prompt, completion)
    assert p_ids[0] == tok.bos_token_id and c_ids[-1] == tok.eos_token_id
    # The prompt ends with a sentinel (one token), so the seam is clean: the parts tokenised
    # separately equal the joined text tokenised at once.
    assert p_ids[-1] == tok.convert_tokens_to_ids(DS.middle)
    assert p_ids + c_ids[:-1] == tok(prompt + completion)["input_ids"]


def test_seams_psm_joint_equals_parts_and_spm_plain_differ_only_by_a_merge(tiny_model_dir):
    """PSM: the prompt ends with a sentinel, so tokenising the parts equals tokenising the
    joined text. SPM and plain end with code; the parts are tokenised separately (as trained
    and as inferred). There the joint tokenisation differs exactly when one of its tokens
    spans the seam (a merge across it, e.g. the prefix's last newline with the completion's
    indentation), and the separate parts still spell exactly the joined text."""
    from fimrepair.synthetic import generate_megadiff_rows
    from fimrepair.tokenizer import load_tokenizer

    tok = load_tokenizer(tiny_model_dir, DS)
    rows = [
        r
        for r in generate_megadiff_rows(200, seed=11)
        if r["fixed_function"] and r["buggy_function"] != r["fixed_function"]
    ]
    differs = {m: 0 for m in Mode}
    spans = {m: 0 for m in Mode}
    n = 0
    for k, r in enumerate(rows):
        try:
            s = split(r["buggy_function"], r["fixed_function"])
        except ValueError:
            continue
        n += 1
        rec = {
            "row_id": f"x{k}",
            "prefix": s.prefix,
            "buggy_chunk": s.buggy_chunk,
            "fixed_chunk": s.fixed_chunk,
            "suffix": s.suffix,
            "hole_indent": s.hole_indent,
        }
        for mode, (fim_rate, spm_rate) in {Mode.PSM: (1.0, 0.0), Mode.SPM: (1.0, 1.0), Mode.PLAIN: (0.0, 0.0)}.items():
            pair = training_pair(rec, "fim", DS, seed=1, fim_rate=fim_rate, spm_rate=spm_rate)
            assert pair["mode"] == mode.value
            p_ids, c_ids = tokenize_pair(tok, pair["prompt"], pair["completion"])
            assert tok.decode(p_ids[1:] + c_ids[:-1]) == pair["prompt"] + pair["completion"]
            joint = tok(pair["prompt"] + pair["completion"], return_offsets_mapping=True)
            seam = len(pair["prompt"])
            spans[mode] += any(start < seam < end for start, end in joint["offset_mapping"])
            differs[mode] += p_ids + c_ids[:-1] != joint["input_ids"]
    assert n > 100
    assert differs[Mode.PSM] == spans[Mode.PSM] == 0
    assert differs == spans, (n, differs, spans)
