import { CSS } from './status-page-style';

/**
 * The sign-in page: what a browser shows when the status port wants the
 * token (its 401 answer, once the Basic dialog is dismissed) and at
 * /login. It posts the token to /login, which sets a session cookie.
 */
export function renderLoginPage(problem: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cpsbackup: sign in</title>
<style>${CSS}</style></head>
<body>
<header><h1>cpsbackup</h1></header>
<main>
<p class="bad" id="problem">${problem}</p>
<form method="post" action="/login"><label>Status token (status_token in server.conf) <input type="password" name="token" autocomplete="current-password" required></label> <button type="submit">Sign in</button></form>
<p class="sub">Or sign in when the browser asks: any user name, the token as password. Tools send Authorization: Bearer TOKEN.</p>
</main>
</body></html>
`;
}
