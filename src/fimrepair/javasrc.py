"""Java source helpers built on tree-sitter-java: parsing, method extraction, normalisation.

All functions are pure; the parser is created once per process.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import tree_sitter as ts
import tree_sitter_java as tsj

_METHOD_KINDS = ("method_declaration", "constructor_declaration")
_COMMENT_KINDS = ("line_comment", "block_comment")


@functools.cache
def _parser() -> ts.Parser:
    return ts.Parser(ts.Language(tsj.language()))


def parse(source: str) -> ts.Tree:
    """Parse Java source text (UTF-8) into a tree-sitter tree."""
    return _parser().parse(source.encode("utf-8"))


def _has_errors(node: ts.Node) -> bool:
    return node.has_error


@dataclass(frozen=True)
class MethodSpan:
    """A method in a class source: its name and its whole lines (0-based, end exclusive)."""

    name: str
    start_line: int
    end_line: int
    parameters: str

    def text(self, source: str) -> str:
        """The method's full lines, indentation and trailing newline included."""
        return "".join(source.splitlines(keepends=True)[self.start_line : self.end_line])


def methods(source: str) -> list[MethodSpan]:
    """Methods and constructors declared directly in the top-level classes of ``source``.

    Methods of anonymous or nested classes belong to their enclosing method.
    """
    tree = parse(source)
    found: list[MethodSpan] = []

    def visit_class_body(body: ts.Node) -> None:
        for child in body.named_children:
            if child.type in _METHOD_KINDS:
                name = child.child_by_field_name("name")
                params = child.child_by_field_name("parameters")
                assert name is not None and name.text is not None
                found.append(
                    MethodSpan(
                        name=name.text.decode("utf-8"),
                        start_line=child.start_point[0],
                        end_line=child.end_point[0] + 1,
                        parameters=params.text.decode("utf-8") if params and params.text else "",
                    )
                )
            elif child.type in ("class_declaration", "interface_declaration", "enum_declaration"):
                inner = child.child_by_field_name("body")
                if inner is not None:
                    visit_class_body(inner)

    for top in tree.root_node.named_children:
        if top.type in ("class_declaration", "interface_declaration", "enum_declaration"):
            body = top.child_by_field_name("body")
            if body is not None:
                visit_class_body(body)
    return found


def is_single_method(code: str) -> bool:
    """True when ``code`` parses, inside a class body, as exactly one method without errors."""
    if not code.strip():
        return False
    wrapped = "class __W {\n" + code + "\n}\n"
    tree = parse(wrapped)
    if _has_errors(tree.root_node):
        return False
    classes = [n for n in tree.root_node.named_children if n.type not in _COMMENT_KINDS]
    if len(classes) != 1 or classes[0].type != "class_declaration":
        return False
    body = classes[0].child_by_field_name("body")
    assert body is not None
    members = [n for n in body.named_children if n.type not in _COMMENT_KINDS]
    return len(members) == 1 and members[0].type in _METHOD_KINDS


def _comment_ranges(code: str) -> list[tuple[int, int]]:
    tree = parse(code)
    ranges: list[tuple[int, int]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in _COMMENT_KINDS:
            ranges.append((node.start_byte, node.end_byte))
        else:
            stack.extend(node.children)
    return sorted(ranges)


def strip_comments(code: str) -> str:
    """Remove Java comments. A line that held only comment text disappears; a line that held
    code and a comment keeps its code (right-stripped); lines that were blank stay."""
    ranges = _comment_ranges(code)
    if not ranges:
        return code
    data = bytearray(code.encode("utf-8"))
    if 0 in data:
        raise ValueError("Java text contains a NUL byte")
    for start, end in ranges:
        # Blank out the comment's bytes (NUL), keeping its newlines so the lines stay aligned.
        segment = data[start:end]
        data[start:end] = bytes(b if b == 10 else 0 for b in segment)
    out: list[bytes] = []
    for line in bytes(data).splitlines(keepends=True):
        if 0 not in line:
            out.append(line)
            continue
        keep = line.replace(b"\x00", b"")
        if keep.strip():
            out.append(keep.rstrip() + (b"\n" if line.endswith(b"\n") else b""))
    return b"".join(out).decode("utf-8")


def strip_blank_lines(code: str) -> str:
    """Remove whitespace-only lines (RepairLLaMA's ``remove_space_lines``)."""
    return "".join(line for line in code.splitlines(keepends=True) if line.strip())


_WS = re.compile(r"\s+")
# A literal (text block, string, char; an unterminated one runs to the end of its line/text)
# or a run of whitespace outside literals. Comments are stripped before this is applied, so a
# quote here opens a literal.
_LITERAL_OR_WS = re.compile(r'"""[\s\S]*?(?:"""|\Z)|"(?:\\.|[^"\\\n])*"?|\'(?:\\.|[^\'\\\n])*\'?|(\s+)')


_UNICODE_ESCAPE = re.compile(r"\\+u+([0-9a-fA-F]{4})")


def unicode_unescape(code: str) -> str:
    """``code`` as javac reads it: every Unicode escape translated first (JLS 3.3), before
    comments, literals or tokens exist. An escape is a backslash that is preceded by an EVEN
    number of contiguous backslashes, one or more ``u`` and four hex digits (``\\u0041`` and
    ``\\uuu0041`` are ``A``; in ``\\\\u0041`` the second backslash is escaped and nothing is
    translated). A surrogate pair of escapes becomes its character; a lone surrogate escape
    is kept as written (it cannot be UTF-8), as is an ill-formed ``\\u`` (javac rejects it).
    So ``// \\u000a return 1;`` is a comment followed by a statement, as javac compiles it."""
    if "\\" not in code:
        return code

    def translate(m: re.Match[str]) -> str:
        slashes = len(m.group(0)) - len(m.group(0).lstrip("\\"))
        if slashes % 2 == 0:
            return m.group(0)  # every backslash of the run is escaped by its neighbour
        return "\\" * (slashes - 1) + chr(int(m.group(1), 16))

    text = _UNICODE_ESCAPE.sub(translate, code)
    # Pairs of surrogates become their character; a lone one is spelled as an escape again.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def normalize(code: str) -> str:
    """Comment-free text with every run of whitespace OUTSIDE string, char and text-block
    literals one space, stripped: the form compared for an exact match and the identity of a
    candidate for deduplication and the verdict cache. Whitespace inside a literal is part of
    the program (``"a  b"`` and ``"a b"`` are different candidates) and is kept verbatim.
    The text is read as javac reads it: Unicode escapes are translated first
    (:func:`unicode_unescape`), so code hidden in a comment by ``\\u000a`` is code here too."""
    code = unicode_unescape(code)
    return _LITERAL_OR_WS.sub(lambda m: " " if m.group(1) is not None else m.group(0), strip_comments(code)).strip()


def collapse_whitespace(code: str) -> str:
    """``code`` with every run of whitespace one space, stripped (no comment removal)."""
    return _WS.sub(" ", code).strip()


def tokens(code: str) -> tuple[str, ...]:
    """The leaf tokens of the parse of ``code`` (comments excluded): the form compared for an
    AST match. Two methods that differ only in layout, comments or redundant whitespace have
    equal token sequences and, being parsed by the same grammar, equal syntax trees. Unicode
    escapes are translated first, as javac does (:func:`unicode_unescape`)."""
    wrapped = "class __W {\n" + unicode_unescape(code) + "\n}\n"
    tree = parse(wrapped)
    out: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in _COMMENT_KINDS:
            continue
        if node.child_count == 0:
            if node.text:
                out.append(node.text.decode("utf-8", "replace"))
            continue
        stack.extend(reversed(node.children))
    return tuple(out)


# --- method signatures: placing a candidate method in its class ---------------------------

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Signature:
    """A method's name and parameter types (whitespace removed, ``int x[]`` as ``int[]``,
    varargs as ``T...``): what identifies the method a candidate replaces."""

    name: str
    parameter_types: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(self.parameter_types)})"


@dataclass(frozen=True)
class MethodDecl:
    """A method or constructor anywhere in a source (nested, local and anonymous classes
    included): its signature, whole lines (0-based, end exclusive), UTF-8 byte span and how
    deeply its class is nested (0 = a top-level class)."""

    signature: Signature
    start_line: int
    end_line: int
    start_byte: int
    end_byte: int
    depth: int

    @property
    def name(self) -> str:
        return self.signature.name


def _parameter_types(params: ts.Node | None) -> tuple[str, ...]:
    types: list[str] = []
    for p in params.named_children if params is not None else []:
        if p.type == "formal_parameter":
            t = p.child_by_field_name("type")
            dims = p.child_by_field_name("dimensions")
            text = (t.text or b"").decode("utf-8") if t is not None else ""
            types.append(_SPACE.sub("", text + ((dims.text or b"").decode("utf-8") if dims is not None else "")))
        elif p.type == "spread_parameter":
            t = next((c for c in p.named_children if c.type not in ("modifiers", "variable_declarator")), None)
            types.append(_SPACE.sub("", (t.text or b"").decode("utf-8") if t is not None else "") + "...")
    return tuple(types)


def _declaration(node: ts.Node, depth: int) -> MethodDecl | None:
    name = node.child_by_field_name("name")
    if name is None or name.text is None:
        return None
    sig = Signature(name.text.decode("utf-8"), _parameter_types(node.child_by_field_name("parameters")))
    return MethodDecl(sig, node.start_point[0], node.end_point[0] + 1, node.start_byte, node.end_byte, depth)


@functools.lru_cache(maxsize=256)
def all_methods(source: str) -> tuple[MethodDecl, ...]:
    """Every method and constructor declared in ``source``, in source order, including those of
    nested, local and anonymous classes."""
    found: list[MethodDecl] = []
    stack: list[tuple[ts.Node, int]] = [(parse(source).root_node, -1)]
    while stack:
        node, depth = stack.pop()
        if node.type in ("class_body", "enum_body", "interface_body"):
            depth += 1
        if node.type in _METHOD_KINDS:
            decl = _declaration(node, depth)
            if decl is not None:
                found.append(decl)
        stack.extend((c, depth) for c in reversed(node.children))
    return tuple(found)


def signature_of(function: str) -> Signature | None:
    """The signature of the candidate method ``function`` (the first method or constructor of
    its text, read inside a class body); None when the text holds no method declaration."""
    wrapped = "class __W {\n" + function + "\n}\n"
    tree = parse(wrapped)
    for top in tree.root_node.named_children:
        body = top.child_by_field_name("body") if top.type == "class_declaration" else None
        for member in body.named_children if body is not None else []:
            if member.type in _METHOD_KINDS:
                decl = _declaration(member, 0)
                return decl.signature if decl is not None else None
    return None
