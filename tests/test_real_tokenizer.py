"""The paper model's real tokenizer (../shared/deepseek-coder-tokenizer/, no weights) through the
project's one loader, on every prompt and completion of the 162 HumanEval-Java bugs.

The trap this guards (notes/science.md): with transformers 5.x, ``AutoTokenizer`` builds
DeepSeek-Coder's byte-level tokenizer as a Llama one that drops every space and newline.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import HUMANEVAL, REPAIRLLAMA_PROMPTS, SHARED

from fimrepair.bugs import extract_bugs
from fimrepair.fim import sentinels
from fimrepair.prompts import PROMPT_STYLES, RECIPE_KINDS, inference_prompt, split_of, training_pair
from fimrepair.tokenizer import TokenizerError, check_tokenizer, load_tokenizer, lossy_characters

TOKENIZER = SHARED / "deepseek-coder-tokenizer"
DS = sentinels("deepseek-coder")
IDS = {"bos": 32013, "eos": 32014, "pad": 32018, "prefix": 32016, "suffix": 32015, "middle": 32017}

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(
        not (TOKENIZER / "tokenizer.json").is_file(),
        reason=f"../shared/deepseek-coder-tokenizer is absent ({TOKENIZER})",
    ),
    pytest.mark.skipif(not (HUMANEVAL / "src").is_dir(), reason=f"../shared/humaneval-java is absent ({HUMANEVAL})"),
]


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer(TOKENIZER, DS, IDS)


@pytest.fixture(scope="module")
def reference():
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(TOKENIZER / "tokenizer.json"))


@pytest.fixture(scope="module")
def bugs():
    rows = [b.to_dict() for b in extract_bugs(HUMANEVAL, "humaneval-java", None, ["FIND_MAX"])]
    assert len(rows) == 162
    return rows


def _texts(bugs: list[dict]) -> dict[str, str]:
    """Every inference prompt of every style and every training prompt/completion of every
    recipe kind (FIM at rate 1 with SPM 0.5 and at rate 0, so PSM, SPM and plain all occur)."""
    out: dict[str, str] = {}
    for bug in bugs:
        row = {**bug, "row_id": bug["bug_id"]}
        for style in PROMPT_STYLES:
            out[f"{bug['bug_id']}/{style}"] = inference_prompt(bug, style, DS)
        for kind in RECIPE_KINDS:
            for rates in (
                ((1.0, 0.5), (0.0, 0.0)) if kind == "fim" else ((1.0, 0.0) if kind == "ir4_psm" else (0.0, 0.0),)
            ):
                pair = training_pair(row, kind, DS, seed=42, fim_rate=rates[0], spm_rate=rates[1])
                out[f"{bug['bug_id']}/{kind}/{pair['mode']}/prompt"] = pair["prompt"]
                out[f"{bug['bug_id']}/{kind}/{pair['mode']}/completion"] = pair["completion"]
    return out


def test_every_prompt_and_completion_of_162_bugs_has_the_libraries_ids_and_round_trips(tok, reference, bugs):
    texts = _texts(bugs)
    modes = {key.split("/")[2] for key in texts if key.count("/") == 3}
    assert {"ir4", "psm", "spm", "plain"} <= modes
    assert len(texts) > 162 * (len(PROMPT_STYLES) + 2 * len(RECIPE_KINDS))
    lossy = set(lossy_characters(tok))
    assert lossy == set("õ÷ÁýÀÿøúþüùöû")  # the real tokenizer's 13 single-letter added tokens
    assert not any(ch in lossy for text in texts.values() for ch in text)  # HumanEval-Java has none of them
    for key, text in texts.items():
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert ids == reference.encode(text, add_special_tokens=False).ids, key
        assert tok.decode(ids) == text, key
        with_bos = tok(text, add_special_tokens=True)["input_ids"]
        assert with_bos == [IDS["bos"], *ids], key
    fim = inference_prompt(bugs[0], "fim_ir4", DS)
    ids = tok(fim, add_special_tokens=False)["input_ids"]
    assert ids[0] == IDS["prefix"] and ids[-1] == IDS["middle"] and ids.count(IDS["suffix"]) == 1


def test_the_broken_auto_tokenizer_is_refused_naming_the_folder_and_the_difference():
    from transformers import AutoTokenizer

    broken = AutoTokenizer.from_pretrained(TOKENIZER)
    assert broken.decode(broken("int a = 1;\n", add_special_tokens=False)["input_ids"]) == "inta=1;"  # the trap is real
    with pytest.raises(TokenizerError) as err:
        check_tokenizer(broken, TOKENIZER, DS, IDS)
    message = str(err.value)
    assert str(TOKENIZER) in message
    assert "round trip of 'int a = 1;\\n' gives 'inta=1;'" in message
    assert "the tokenizers library gives [569, 245, 1412, 16, 26, 185]" in message


def _copy_with(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "tok"
    shutil.copytree(TOKENIZER, folder)
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    edit(data)
    (folder / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_a_tokenizer_file_that_does_not_round_trip_is_refused(tmp_path: Path):
    def no_byte_level_decoder(data):
        data["decoder"] = {"type": "Fuse"}

    folder = _copy_with(tmp_path, no_byte_level_decoder)
    with pytest.raises(TokenizerError, match=r"(?s)tok failed its load-time check.*round trip of"):
        load_tokenizer(folder, DS, IDS)


def test_a_tokenizer_that_adds_bos_twice_or_moves_an_id_is_refused(tmp_path: Path):
    def double_bos(data):
        pp = data["post_processor"]
        pp["single"] = [pp["single"][0], *pp["single"]]

    with pytest.raises(TokenizerError, match="BOS 32013 exactly once"):
        load_tokenizer(_copy_with(tmp_path / "a", double_bos), DS, IDS)
    with pytest.raises(TokenizerError, match=r"eos '<｜end▁of▁sentence｜>' is id 32014, the configuration expects 7"):
        load_tokenizer(TOKENIZER, DS, {**IDS, "eos": 7})
    with pytest.raises(TokenizerError, match="encodes to .* tokens"):
        load_tokenizer(TOKENIZER, sentinels("starcoder"))  # another family's sentinels are not single tokens here


@pytest.mark.skipif(
    not REPAIRLLAMA_PROMPTS.is_dir(),
    reason=f"../shared/repairllama-humaneval-prompts is absent ({REPAIRLLAMA_PROMPTS})",
)
def test_reproduction_prompt_is_repairllamas_ir4_around_the_hole_sentinel(bugs):
    """RepairLLaMA's DeepSeek run: IR4 with <FILL_ME> replaced by the hole, wrapped in PSM. For the
    159 bugs whose IR4 matches theirs byte for byte (tests/test_fidelity.py), so does ours."""
    rows = [
        json.loads(line)
        for line in (REPAIRLLAMA_PROMPTS / "humaneval_f2f_bugs_with_ir4.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    published = {r["bug_id"]: r for r in rows}
    listed = json.loads((Path(__file__).parent / "data" / "repairllama_expected_differences.json").read_text())
    expected_diff = {d["bug_id"] for d in listed["differences"]}
    same = 0
    for bug in bugs:
        theirs = published[bug["bug_id"]]
        want = DS.prefix + theirs["buggy_code"].replace("<FILL_ME>", DS.suffix) + DS.middle
        ours = inference_prompt(bug, "ir4_psm", DS)
        pair = training_pair({**bug, "row_id": bug["bug_id"]}, "ir4_psm", DS, seed=42, fim_rate=1.0)
        assert pair["prompt"] == ours and pair["mode"] == "psm"
        if bug["bug_id"] in expected_diff:
            continue
        assert ours == want, bug["bug_id"]
        assert pair["completion"] == theirs["fixed_chunk"] == split_of(bug).fixed_chunk
        same += 1
    assert same == 162 - len(expected_diff)
