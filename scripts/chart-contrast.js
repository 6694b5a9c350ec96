// The contrast of every text drawn in an SVG chart against what is painted under it, which axe
// cannot decide (it reads CSS colours and backgrounds, not SVG paint). For each <text> in
// `figure.chart svg`, points across its box are hit-tested; under the text at each point the
// first painted SVG shape gives the background (its fill, or its stroke when it has no fill),
// else the chart's own background; a text with an opaque halo (a stroke of 2 or more painted
// first) is read against its halo. Returns one row per text whose lowest ratio is below `min`,
// and the number of texts checked. Used by scripts/axe-check.py and the browser test.
function chartTextContrast(min) {
  const rgb = (c) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c || '');
    return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null;
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const shapes = new Set(['rect', 'circle', 'ellipse', 'path', 'line', 'polyline', 'polygon']);
  const paint = (el) => {
    const s = getComputedStyle(el);
    const fill = rgb(s.fill);
    if (fill && fill.a > 0 && el.tagName !== 'line' && el.tagName !== 'polyline') return fill;
    const stroke = rgb(s.stroke);
    return stroke && stroke.a > 0 ? stroke : null;
  };
  const failing = [];
  const texts = document.querySelectorAll('figure.chart svg text');
  for (const t of texts) {
    const fg = rgb(getComputedStyle(t).fill);
    if (!fg || !t.textContent.trim()) continue;
    const ts = getComputedStyle(t);
    const halo = rgb(ts.stroke);
    if (halo && halo.a === 1 && ts.paintOrder.startsWith('stroke') && parseFloat(ts.strokeWidth) >= 2) {
      // A halo painted under the glyphs is the background they are read against.
      const r = ratio(fg, halo);
      if (r < min) failing.push({ figure: t.closest('figure') && t.closest('figure').id, text: t.textContent.slice(0, 60), ratio: Math.round(r * 100) / 100, under: 'its halo' });
      continue;
    }
    t.scrollIntoView({ block: 'center', inline: 'center' });
    const box = t.getBoundingClientRect();
    const svg = t.ownerSVGElement;
    const page = rgb(getComputedStyle(svg).backgroundColor);
    let worst = Infinity;
    let under = '';
    for (let i = 1; i <= 7; i++) {
      for (let j = 1; j <= 3; j++) {
        const x = box.left + (box.width * i) / 8;
        const y = box.top + (box.height * j) / 4;
        const stack = document.elementsFromPoint(x, y);
        const at = stack.indexOf(t);
        if (at < 0) continue; // between glyphs: no text painted here
        let bg = page && page.a > 0 ? page : { r: 255, g: 255, b: 255, a: 1 };
        let what = 'chart background';
        for (const el of stack.slice(at + 1)) {
          if (el === svg) break;
          if (!shapes.has(el.tagName)) continue;
          const p = paint(el);
          if (p) { bg = p; what = el.outerHTML.slice(0, 90); break; }
        }
        const r = ratio(fg, bg);
        if (r < worst) { worst = r; under = what; }
      }
    }
    if (worst < min) {
      const fig = t.closest('figure');
      failing.push({ figure: fig && fig.id, text: t.textContent.slice(0, 60), ratio: Math.round(worst * 100) / 100, under });
    }
  }
  window.scrollTo(0, 0);
  return { checked: texts.length, failing };
}
