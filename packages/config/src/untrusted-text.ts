/**
 * Text that came from a node or the server (a failure reason naming a path,
 * a client's name, a backup's description) as a terminal or a monitoring
 * line may show it: every control character (C0, DEL, C1) is written as
 * `\xHH`, so no escape sequence reaches the operator's terminal and no line
 * break splits a plugin line. Printable text, UTF-8 included, is unchanged.
 */
export function untrustedText(text: string): string {
  return text.replace(CONTROLS, hex);
}

/**
 * untrustedText for a monitoring plugin's output line, where `|` starts
 * perfdata: it is written as `\x7c` too.
 */
export function pluginLineText(text: string): string {
  return text.replace(PLUGIN_SPECIALS, hex);
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex
const PLUGIN_SPECIALS = /[\x00-\x1f\x7f-\x9f|]/g;

function hex(ch: string): string {
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}
