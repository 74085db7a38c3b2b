"""The escaping helpers, one per output context (rehabdash/safe_text.py)."""
import json

import pytest

from rehabdash.kernel import safe_text


def test_html_text_escapes_markup_and_quotes():
    assert safe_text.html_text('<img src=x onerror="a()">') == "&lt;img src=x onerror=&quot;a()&quot;&gt;"
    assert safe_text.html_text("a'b&c") == "a&#x27;b&amp;c"
    assert safe_text.html_text(None) == ""


def test_css_string_cannot_end_the_string_or_the_style():
    assert safe_text.css_string('a"b') == '"a\\22 b"'
    assert safe_text.css_string("</style>\\") == '"\\3c \\2f style\\3e \\5c "'
    # the space that ends an escape is CSS's; a space of the text after it stays
    assert safe_text.css_string("50 MB · .xlsx") == '"50 MB \\b7  \\2e xlsx"'


def test_js_data_is_json_that_cannot_end_a_script():
    value = ['</script><script>x()</script>', "S${x()}`", "\u2028", "<!--"]
    text = safe_text.js_data(value)
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == value  # the script reads exactly the names


@pytest.mark.parametrize("name, escaped", [
    ("**粗体**", r"\*\*粗体\*\*"),
    ("![t](http://h/x.png)", r"\!\[t\](http\://h/x.png)"),
    ("www.example.com", r"www\.example.com"),
    (":red[红] $x^2$ a@b.cn", r"\:red\[红\] \$x^2\$ a\@b.cn"),
    ("<b>x</b>", r"\<b\>x\</b\>"),
    ("# 标题", r"\# 标题"), ("- 项", r"\- 项"), ("1. 项", r"1\. 项"), ("=1+1", r"\=1+1"),
    ("包头市 / 青山区", "包头市 / 青山区"), ("110.6%", "110.6%"),  # ordinary text stays as it is
    ("a\nb\r\nc", "a b c"),
])
def test_markdown_text(name, escaped):
    assert safe_text.markdown_text(name) == escaped


def test_formula_like_follows_owasp():
    for value in ("=1", "+1", "-1", "@a", "\t=1", "\r=1"):
        assert safe_text.is_formula_like(value)
    for value in ("中心", "1-2", " =1", 5, None):
        assert not safe_text.is_formula_like(value)


def test_plotly_texts_are_literal():
    import pandas as pd
    import plotly.express as px

    figure = px.bar(pd.DataFrame({"n": ["<b>甲</b>", "乙"], "v": [1, 2]}), x="n", y="v", title="<i>题</i>")
    figure.update_xaxes(categoryorder="array", categoryarray=["乙", "<b>甲</b>"])
    safe_text.defuse_figure(figure)
    assert list(figure.layout.xaxis.categoryarray) == ["乙", "&lt;b&gt;甲&lt;/b&gt;"]
    assert list(figure.data[0].x) == ["&lt;b&gt;甲&lt;/b&gt;", "乙"]
    assert figure.layout.title.text == "&lt;i&gt;题&lt;/i&gt;"
