"""Our own stored-XSS corpus: each vector, if it ever ran, would call the canary.

A vector is a template with `{n}` for its id. Whatever runs calls `__xss(n)` (a function the
browser tests expose to every page) or asks for `http://xss-canary.test/n` (a host whose
requests the browser tests record and refuse). The ids say which field and which vector fired:
`vector_id(field, vector)`.

Kinds: script tags, event handlers, javascript:/data: URLs, SVG/MathML, Markdown link/image
tricks, attribute and element breakouts, template injection, Unicode/RTL tricks, CSS, frames
and plug-ins, meta refresh, base href, form action, broken-markup mutation XSS.
"""

from __future__ import annotations

CANARY_HOST = "xss-canary.test"
CANARY = f"http://{CANARY_HOST}"
# What a vector's markup carries: found in a tag's attributes or a script/style's text, it means
# the data became markup.
MARKERS = ("__xss", CANARY_HOST)
# Text (regular expressions) that appears only if a template engine evaluated the data.
TEMPLATE_PROOFS = (r"49XSSTPL", r"\dXSSNOW")

VECTORS: list[str] = [
    # script tags
    "<script>__xss({n})</script>",
    "<ScRiPt>__xss({n})</sCrIpT>",
    f'<script src="{CANARY}/{{n}}.js"></script>',
    "<scr<script>ipt>__xss({n})</scr</script>ipt>",
    '<img """><script>__xss({n})</script>">',
    "</script><script>__xss({n})</script>",
    # event handlers
    "<img src=x onerror=__xss({n})>",
    '<img src="x" onerror="__xss({n})">',
    "<IMG SRC=x OnErRoR=__xss({n})>",
    "<svg onload=__xss({n})>",
    "<svg/onload=__xss({n})>",
    "<body onload=__xss({n})>",
    "<details open ontoggle=__xss({n})>",
    "<video><source onerror=__xss({n})></video>",
    "<audio src=x onerror=__xss({n})>",
    "<input autofocus onfocus=__xss({n})>",
    "<select autofocus onfocus=__xss({n})>",
    "<textarea autofocus onfocus=__xss({n})>",
    "<marquee onstart=__xss({n})>",
    "<div onmouseover=__xss({n})>悬停</div>",
    "<isindex type=image src=1 onerror=__xss({n})>",
    # javascript: and data: URLs
    '<a href="javascript:__xss({n})">点我</a>',
    '<a href="JaVaScRiPt:__xss({n})">点我</a>',
    '<a href="&#106;avascript:__xss({n})">点我</a>',
    '<a href="java&#x09;script:__xss({n})">点我</a>',
    '<a href="\u0001javascript:__xss({n})">点我</a>',
    '<a href="data:text/html,<script>__xss({n})</script>">点我</a>',
    "<IMG SRC=javascript:__xss({n})>",
    '<table background="javascript:__xss({n})">',
    '<button formaction="javascript:__xss({n})">提交</button>',
    # SVG and MathML
    "<svg><script>__xss({n})</script></svg>",
    '<svg><a xlink:href="javascript:__xss({n})"><text y=20>X</text></a></svg>',
    "<svg><animate onbegin=__xss({n}) attributeName=x dur=1s>",
    '<math href="javascript:__xss({n})">X</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss({n})>",
    # Markdown link and image tricks
    "[点我](javascript:__xss({n}))",
    "[点我](JAVASCRIPT:__xss({n}))",
    "[点我](&#x6A;avascript:__xss({n}))",
    "[点我](data:text/html,<script>__xss({n})</script>)",
    '![图](x" onerror="__xss({n}))',
    "![图](javascript:__xss({n}))",
    '[点我](https://ok.test/"onmouseover="__xss({n}))',
    "<javascript:__xss({n})>",
    "[点我][r{n}]\n\n[r{n}]: javascript:__xss({n})",
    "`<img src=x onerror=__xss({n})>`",
    "```\n</code></pre><img src=x onerror=__xss({n})>\n```",
    # attribute and element breakouts
    '"><img src=x onerror=__xss({n})>',
    "'><img src=x onerror=__xss({n})>",
    '" autofocus onfocus="__xss({n})',
    "' autofocus onfocus='__xss({n})",
    "</textarea><img src=x onerror=__xss({n})>",
    "</title><img src=x onerror=__xss({n})>",
    "</style><img src=x onerror=__xss({n})>",
    '";__xss({n});//',
    "';__xss({n});//",
    # template injection
    "{{{{7*7}}}}XSSTPL{n}",
    "{{{{constructor.constructor('__xss({n})')()}}}}",
    "${{__xss({n})}}",
    '{{% now "Y" %}}XSSNOW {n}',
    # Unicode and RTL tricks
    "＜script＞__xss({n})＜/script＞",
    "\u202e<img src=x onerror=__xss({n})>\u202c",
    "<img src=x onerror=__xss({n})\u200b>",
    "<ſcript>__xss({n})</ſcript>",
    # CSS
    f'<div style="background:url({CANARY}/{{n}})">样式</div>',
    '<div style="width:expression(__xss({n}))">样式</div>',
    f'<style>@import "{CANARY}/{{n}}.css";</style>',
    f'<link rel=stylesheet href="{CANARY}/{{n}}.css">',
    # frames and plug-ins
    '<iframe src="javascript:__xss({n})"></iframe>',
    '<iframe srcdoc="<script>parent.__xss({n})</script>"></iframe>',
    '<object data="javascript:__xss({n})"></object>',
    '<embed src="javascript:__xss({n})">',
    f'<object data="{CANARY}/{{n}}.swf"></object>',
    # meta refresh, base href, form action
    f'<meta http-equiv="refresh" content="0;url={CANARY}/{{n}}">',
    f'<base href="{CANARY}/{{n}}/">',
    f'<form action="{CANARY}/{{n}}"><button>提交</button></form>',
    # broken markup and mutation XSS
    '<!--<img src="--><img src=x onerror=__xss({n})//">',
    '<noscript><p title="</noscript><img src=x onerror=__xss({n})>">',
    "<svg><style><img src=x onerror=__xss({n})></style></svg>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=__xss({n})>",
    "<template><img src=x onerror=__xss({n})></template>",
    "<img src=x onerror=__xss({n})",
]


def vector_id(field: int, vector: int) -> int:
    """The canary id of vector number `vector` written into field number `field`."""
    return field * 1000 + vector


def render(vector: int, n: int) -> str:
    """Vector number `vector` with canary id `n`."""
    return VECTORS[vector].format(n=n)


def describe(n: int, fields: dict[int, str] | None = None) -> str:
    """Which vector (and which field, by number or by name) a canary id stands for."""
    field, vector = divmod(int(n), 1000)
    name = (fields or {}).get(field, f"field #{field}")
    return f"{name}, vector #{vector}: {VECTORS[vector]!r}"
