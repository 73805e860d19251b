// The Content-Security-Policy of the renderer, wherever it is shown: the Electron window and the
// web admin send the same one. Scripts and styles only from the bundle (Mantine injects style
// elements, hence 'unsafe-inline' for styles only); no frames, no plugins, no forms elsewhere.
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
