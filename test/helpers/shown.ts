/** The longest run (of `min` characters or more) of `form` still in `text`, else 0: how much of a secret a masked message shows. */
export function shown(text: string, form: string, min: number): number {
  for (let len = form.length; len >= min; len--) for (let i = 0; i + len <= form.length; i++) if (text.includes(form.slice(i, i + len))) return len;
  return 0;
}
