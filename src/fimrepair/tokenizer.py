"""The one tokenizer loader of the pipeline, checked at load time.

Every stage that tokenises (the length filter, training with either backend, generation, the
paper-shaped model builder) loads its tokenizer through :func:`load_tokenizer`.

Why not ``AutoTokenizer``: DeepSeek-Coder's ``tokenizer.json`` is byte-level BPE, but its
``tokenizer_config.json`` names ``LlamaTokenizer``. With transformers 5.x,
``AutoTokenizer.from_pretrained`` then builds a SentencePiece-style Llama tokenizer that drops
every space and newline (``int a = 1;\\n`` decodes as ``inta=1;``), silently. The loader builds
:class:`transformers.PreTrainedTokenizerFast` from ``tokenizer.json`` itself and then proves,
before any row is tokenised, that it is the tokenizer the file describes:

- probe texts (Java with spaces, tabs, CRLF and LF newlines, non-ASCII identifiers and string
  contents) encode to the same ids as the ``tokenizers`` library's own ``Tokenizer.from_file``
  on ``tokenizer.json``, and decode back to the exact text;
- ``add_special_tokens=True`` adds BOS exactly once, at the start, and nothing else;
- BOS, EOS, pad and the FIM sentinels of the configured family are each one token, with the
  same id in both libraries, equal to the tokenizer's ``bos/eos/pad_token_id``, and, where the
  configuration states them (``base_model.token_ids``), equal to the expected ids.

A failed check raises :class:`TokenizerError`, which names the folder and what differs.

A quirk of the real tokenizer, not of the loader: DeepSeek-Coder's ``tokenizer.json`` has 13
added tokens (ids 32000-32012) that are single Latin-1 letters (``õ ÷ Á ý À ÿ ø ú þ ü ù ö û``).
They match before the byte-level step, so these letters decode as U+FFFD, in the ``tokenizers``
library as here. The probes therefore use other non-ASCII text, and :func:`lossy_characters`
lists such letters for a tokenizer so that data can be checked for them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fimrepair.fim import Sentinels, sentinels

# Java as it appears in prompts: indentation by spaces and by tabs, runs of spaces, blank
# lines, CRLF, non-ASCII identifiers, string and char literals, and a comment.
PROBES: tuple[str, ...] = (
    "int a = 1;\n",
    "    public static int fib(int n) {\n// buggy code\n//         if (n < 2)\n        return n;\n    }\n",
    '\tif (x  >=\t0) {\r\n\t\treturn "a  b\\tc";\r\n\t}\n\n',
    "    String straße = \"Straße: 名前 ñame – ✓\"; char c = 'é';  // 注释 ok\n",
    "   \n  x++;\n\n\n}",
)

SPECIAL_NAMES = ("bos", "eos", "pad", "prefix", "suffix", "middle")


@dataclass(frozen=True)
class ModelFacts:
    """What the stages need to know of the base model besides its folder: the sentinel family of
    its tokenizer and the ids its special strings must have (``base_model.sentinels`` and
    ``base_model.token_ids``). The model stage's rule ``model_facts`` checks them against the
    model's tokenizer and writes them to ``results/model/model.json``; the representations,
    the recipes and generation read that file, so they are stated once, by the model stage."""

    sentinels: str
    token_ids: dict[str, int] | None = None  # None = not checked against fixed ids

    def sentinel_set(self) -> Sentinels:
        return sentinels(self.sentinels)

    def load_tokenizer(self, folder: str | Path) -> Any:
        """The tokenizer of the model in ``folder``, checked (:func:`load_tokenizer`)."""
        return load_tokenizer(folder, self.sentinel_set(), self.token_ids)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> ModelFacts:
        data = json.loads(Path(path).read_text())
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict) or set(data) - names or "sentinels" not in data:
            raise ValueError(f"{path}: expected an object with keys {sorted(names)} (sentinels required), got {data!r}")
        return cls(**data)


class TokenizerError(RuntimeError):
    """A tokenizer failed its load-time check; the message names the folder and what differs."""


def load_tokenizer(folder: str | Path, st: Sentinels, expected_ids: Mapping[str, int] | None = None) -> Any:
    """The tokenizer of ``folder`` (a ``tokenizer.json``), checked; see the module docstring.

    ``expected_ids`` maps names of :data:`SPECIAL_NAMES` to the ids the configuration expects
    (e.g. DeepSeek-Coder's BOS 32013); names left out are not checked against a fixed id.
    """
    from transformers import PreTrainedTokenizerFast

    folder = Path(folder)
    file = folder / "tokenizer.json"
    if not file.is_file():
        raise TokenizerError(f"tokenizer at {folder}: no tokenizer.json (the pipeline needs the fast tokenizer file)")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(file),
        bos_token=st.bos,
        eos_token=st.eos,
        pad_token=st.pad,
        clean_up_tokenization_spaces=False,
        model_max_length=_model_max_length(folder),
    )
    check_tokenizer(tokenizer, folder, st, expected_ids)
    return tokenizer


def _model_max_length(folder: Path) -> int:
    import json

    config = folder / "tokenizer_config.json"
    if config.is_file():
        value = json.loads(config.read_text(encoding="utf-8")).get("model_max_length")
        if isinstance(value, int) and value > 0:
            return min(value, 1 << 30)
    return 1 << 30


def check_tokenizer(
    tokenizer: Any, folder: str | Path, st: Sentinels, expected_ids: Mapping[str, int] | None = None
) -> None:
    """Raise :class:`TokenizerError` unless ``tokenizer`` behaves as ``folder/tokenizer.json``
    does in the ``tokenizers`` library (see the module docstring)."""
    problems = tokenizer_problems(tokenizer, Path(folder), st, expected_ids)
    if problems:
        listing = "\n  - ".join(problems)
        raise TokenizerError(
            f"tokenizer at {folder} failed its load-time check ({len(problems)} problem(s)):\n  - {listing}\n"
            "Load tokenizers with fimrepair.tokenizer.load_tokenizer (AutoTokenizer mis-builds "
            "DeepSeek-Coder's byte-level tokenizer as a Llama one; notes/science.md, 'The tokenizer trap')."
        )


def tokenizer_problems(
    tokenizer: Any, folder: Path, st: Sentinels, expected_ids: Mapping[str, int] | None = None
) -> list[str]:
    """What differs between ``tokenizer`` and the reference reading of ``folder/tokenizer.json``
    (empty when nothing does)."""
    from tokenizers import Tokenizer

    file = folder / "tokenizer.json"
    if not file.is_file():
        return [f"no tokenizer.json in {folder}"]
    reference = Tokenizer.from_file(str(file))
    problems: list[str] = []
    problems += _id_problems(tokenizer, reference, PROBES)
    for text in PROBES:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        back = tokenizer.decode(ids)
        if back != text:
            problems.append(f"round trip of {text!r} gives {back!r}")
            break
    problems += _special_problems(tokenizer, reference, st, expected_ids)
    bos = tokenizer.bos_token_id
    for text in PROBES[:2]:
        plain = tokenizer(text, add_special_tokens=False)["input_ids"]
        with_special = tokenizer(text, add_special_tokens=True)["input_ids"]
        if with_special != [bos, *plain]:
            problems.append(
                f"add_special_tokens=True gives {with_special[:3]}...{with_special[-2:]} for {text!r}, expected BOS {bos} exactly once, then the text"
            )
            break
    return problems


def _id_problems(tokenizer: Any, reference: Any, texts: Iterable[str]) -> list[str]:
    for text in texts:
        ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
        want = reference.encode(text, add_special_tokens=False).ids
        if ids != want:
            return [f"ids of {text!r} are {ids[:12]}, the tokenizers library gives {want[:12]} on tokenizer.json"]
    return []


def _special_problems(
    tokenizer: Any, reference: Any, st: Sentinels, expected_ids: Mapping[str, int] | None
) -> list[str]:
    problems: list[str] = []
    unknown = sorted(set(expected_ids or {}) - set(SPECIAL_NAMES))
    if unknown:
        problems.append(f"expected ids name unknown special(s) {unknown}; known: {list(SPECIAL_NAMES)}")
    attribute_ids = {"bos": tokenizer.bos_token_id, "eos": tokenizer.eos_token_id, "pad": tokenizer.pad_token_id}
    for name in SPECIAL_NAMES:
        text = getattr(st, name)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) != 1:
            problems.append(f"{name} {text!r} encodes to {len(ids)} tokens {ids}, expected one")
            continue
        (got,) = ids
        ref = reference.token_to_id(text)
        if ref != got:
            problems.append(f"{name} {text!r} is id {got}, the tokenizers library gives {ref}")
        if name in attribute_ids and attribute_ids[name] != got:
            problems.append(f"{name}_token_id is {attribute_ids[name]}, but {text!r} is id {got}")
        want = (expected_ids or {}).get(name)
        if want is not None and want != got:
            problems.append(f"{name} {text!r} is id {got}, the configuration expects {want}")
    return problems


def lossy_characters(tokenizer: Any) -> list[str]:
    """Single characters that are added tokens but do not decode back to themselves (the
    DeepSeek-Coder quirk in the module docstring); text containing them cannot round-trip."""
    out = []
    for token_id, added in sorted(tokenizer.added_tokens_decoder.items()):
        text = str(added.content)
        if len(text) == 1 and tokenizer.decode([token_id]) != text:
            out.append(text)
    return out


def ids_disagreement(a: Any, b: Any, texts: Sequence[str]) -> tuple[int, str | None]:
    """How many of ``texts`` two tokenizers encode differently (with special tokens), and the
    first such text (``None`` when they agree on all)."""
    first: str | None = None
    count = 0
    for text in texts:
        if list(a(text, add_special_tokens=True)["input_ids"]) != list(b(text, add_special_tokens=True)["input_ids"]):
            count += 1
            first = first if first is not None else text
    return count, first
