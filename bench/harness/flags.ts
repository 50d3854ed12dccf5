/** `--name value` from a bench script's arguments, or `fallback` when it is not given. */
export function flagOf(args: string[]): (name: string, fallback: string) => string {
  return (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
}
