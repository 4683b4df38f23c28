// A QR code as an SVG, for the otpauth:// URI an authenticator app scans. The one place that
// imports the vendored QR encoder (a utility beside the UI library, see vendor/README.md);
// loaded on first use, so signing in without setting up TOTP never downloads it.

import { html, useEffect, useState } from './lib.js';

const QUIET_ZONE = 4; // modules of white around the code, as the standard asks

function pathOf(qr) {
  const count = qr.getModuleCount();
  let d = '';
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (qr.isDark(row, col)) d += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return { size: count + 2 * QUIET_ZONE, d };
}

export function QrCode({ text, label }) {
  const [drawn, setDrawn] = useState(null);
  useEffect(() => {
    let live = true;
    import('../vendor/qrcode-generator@2.0.4/qrcode.js').then(({ qrcode }) => {
      const qr = qrcode(0, 'M'); // the smallest version that holds it; M: 15% may be unreadable
      qr.addData(text); // the URI is percent-encoded, so plain ASCII bytes
      qr.make();
      if (live) setDrawn({ text, ...pathOf(qr) });
    });
    return () => {
      live = false;
    };
  }, [text]);
  if (!drawn || drawn.text !== text) return html`<div class="qr" aria-busy="true"></div>`;
  return html`
    <svg class="qr" data-testid="totp-qr" data-modules=${drawn.size - 2 * QUIET_ZONE} role="img" aria-label=${label}
      viewBox=${`0 0 ${drawn.size} ${drawn.size}`} shape-rendering="crispEdges">
      <rect width=${drawn.size} height=${drawn.size} fill="#fff" />
      <path d=${drawn.d} fill="#000" />
    </svg>`;
}
