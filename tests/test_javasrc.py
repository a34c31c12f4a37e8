from __future__ import annotations

from fimrepair.javasrc import is_single_method, methods, normalize, strip_comments, tokens

CLASS = """package p;
public class A {
    /** doc */
    public static int f(int x) {
        return x + 1; // inc
    }
    private static int g(int[] a) {
        java.util.Comparator<Integer> c = new java.util.Comparator<Integer>() {
            public int compare(Integer p, Integer q) { return p - q; }
        };
        return a.length;
    }
}
"""


def test_methods_finds_top_level_methods_only():
    found = methods(CLASS)
    assert [m.name for m in found] == ["f", "g"]
    assert found[0].text(CLASS).startswith("    public static int f(int x) {")
    assert found[1].text(CLASS).rstrip().endswith("}")
    assert "compare" in found[1].text(CLASS)


def test_strip_comments_keeps_code_and_blank_lines():
    code = "    int f() {\n        // gone\n        int a = 1; /* x */\n\n        return a;\n    }\n"
    assert strip_comments(code) == "    int f() {\n        int a = 1;\n\n        return a;\n    }\n"


def test_is_single_method():
    assert is_single_method("    int f() { return 1; }\n")
    assert not is_single_method("    int f() { return 1; \n")  # unbalanced
    assert not is_single_method("int f() { return 1; } int g() { return 2; }")
    assert not is_single_method("this is not java at all")
    assert not is_single_method("")


def test_normalize_and_tokens_ignore_layout_and_comments():
    a = "int f(int x){return x+1;}"
    b = "int f(int x) {\n    // c\n    return x + 1;\n}\n"
    assert tokens(a) == tokens(b)
    assert normalize(b) == "int f(int x) { return x + 1; }"
    assert tokens(a) != tokens(a.replace("+", "-"))
