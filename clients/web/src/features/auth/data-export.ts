// "Download my data": the caller's PersonalDataExport as a JSON file (LGPD / GDPR access request).
import { toJsonString } from "@bufbuild/protobuf";
import { PersonalDataExportSchema } from "@helpdesk/client";
import { client } from "@/lib/client";

/** The file name of an export made on `day` (YYYY-MM-DD). */
export function exportFileName(day: Date): string {
  return `helpdesk-my-data-${day.toISOString().slice(0, 10)}.json`;
}

/** Reads the signed-in user's data and hands it to the browser as a download. */
export async function downloadMyData(): Promise<void> {
  const data = await client.privacy.exportMyData({ userId: "me" });
  const json = toJsonString(PersonalDataExportSchema, data, { prettySpaces: 2 });
  const url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = exportFileName(new Date());
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // After the click the browser holds its own reference; revoking on the next tick frees the blob.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
