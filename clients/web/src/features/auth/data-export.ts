// "Download my data": the caller's PersonalDataExport as a JSON file (LGPD / GDPR access request).
import { toJsonString } from "@bufbuild/protobuf";
import { PersonalDataExportSchema } from "@helpdesk/client";
import { client } from "@/lib/client";
import { saveTextFile } from "@/lib/download";

/** The file name of an export made on `day` (YYYY-MM-DD). */
export function exportFileName(day: Date): string {
  return `helpdesk-my-data-${day.toISOString().slice(0, 10)}.json`;
}

/** Reads the signed-in user's data and hands it to the browser as a download. */
export async function downloadMyData(): Promise<void> {
  const data = await client.privacy.exportMyData({ userId: "me" });
  saveTextFile(exportFileName(new Date()), toJsonString(PersonalDataExportSchema, data, { prettySpaces: 2 }));
}
