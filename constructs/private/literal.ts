/**
 * Escapes Terraform template sequences in a literal string (`${` and `%{`), so values such as
 * shell commands or Connect's `${env:NAME}` placeholders reach their destination exactly as
 * written. cdktf's own tokens (`${TfToken[...]}`) are left alone.
 */
export function literal(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, '$$${').replace(/%\{/g, '%%{');
}
