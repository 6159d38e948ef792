// Handing text the app built (a JSON export) to the browser as a file download.

/** Offers `text` as a download named `fileName`. */
export function saveTextFile(fileName: string, text: string, type = "application/json"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // After the click the browser holds its own reference; revoking on the next tick frees the blob.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
