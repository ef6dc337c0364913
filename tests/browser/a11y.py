"""In-page checks run by the browser tests: WCAG AA text contrast and page width."""

#: Returns the visible text whose contrast against its (composited) background is below
#: WCAG AA: 4.5:1, or 3:1 for large text (24px, or 18.66px bold). Disabled controls and
#: visually hidden text are exempt, as WCAG allows.
CONTRAST_FAILURES_JS = r"""
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const lum = ({r, g, b}) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    const exempt = ".visually-hidden, .skip-link, [disabled], [hidden], [aria-hidden=true]";
    if (el.closest(exempt)) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || box.width === 0 || box.height === 0) continue;
    const fg = parse(style.color);
    if (!fg) {
      failures.push({text: node.textContent.trim(), problem: "colour " + style.color});
      continue;
    }
    const bg = background(el);
    const L1 = lum(over(fg, bg)), L2 = lum(bg);
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      const text = node.textContent.trim().slice(0, 40);
      failures.push({text, ratio: ratio.toFixed(2), color: style.color});
    }
  }
  return failures;
}
"""

OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
