/**
 * @module components/save-file: hands a file the app holds (a download fetched with the token) to
 * the browser to save. A plain link cannot carry the Authorization header, so the app fetches the
 * bytes itself and saves them through an object URL.
 */

/**
 * Saves `blob` as `name` through a temporary link; the object URL is freed once the browser has
 * had time to start the download.
 *
 * @example saveFile(new Blob([csv], { type: "text/csv" }), "matrix.csv");
 */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
