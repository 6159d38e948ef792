// The reports page's calls: the four reports, the agents for the filter, and the CSV export (a
// server stream of file chunks, saved as one download).

import { ReportKind, ReportService } from "@helpdesk/client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { saveTextFile } from "@/lib/download";
import { queryKeyOf, type ReportQueryInit } from "./model";

// The descriptor comes with this page's chunk, not with the app's entry.
const reports = client.service(ReportService);

/** Report answers keep for a minute: figures trail the changes by seconds and a range is re-read on demand. */
const STALE_MS = 60_000;

function reportOptions<T>(name: string, query: ReportQueryInit, enabled: boolean, read: (signal: AbortSignal) => Promise<T>) {
  return {
    queryKey: ["reports", name, queryKeyOf(query)] as const,
    queryFn: ({ signal }: { signal: AbortSignal }) => read(signal),
    staleTime: STALE_MS,
    placeholderData: keepPreviousData,
    enabled,
  };
}

export function useTicketReport(query: ReportQueryInit, enabled = true) {
  return useQuery(reportOptions("tickets", query, enabled, (signal) => reports.getTicketReport({ query }, { signal })));
}

export function useChatReport(query: ReportQueryInit, enabled = true) {
  return useQuery(reportOptions("chats", query, enabled, (signal) => reports.getChatReport({ query }, { signal })));
}

export function useSatisfactionReport(query: ReportQueryInit, enabled = true) {
  return useQuery(reportOptions("satisfaction", query, enabled, (signal) => reports.getSatisfactionReport({ query }, { signal })));
}

export function useAgentLoadReport(query: ReportQueryInit, enabled = true) {
  return useQuery(reportOptions("agentLoad", query, enabled, (signal) => reports.getAgentLoadReport({ query }, { signal })));
}

/** Agents and admins, for an admin's agent filter. */
export function useAgents(enabled: boolean) {
  return useQuery({
    queryKey: ["reports", "agents"],
    queryFn: async ({ signal }) => (await client.chat.listAgents({ pageSize: 200 }, { signal })).agents,
    staleTime: 5 * 60_000,
    enabled,
  });
}

export const EXPORT_KIND = {
  tickets: ReportKind.TICKETS,
  chats: ReportKind.CHATS,
  satisfaction: ReportKind.SATISFACTION,
  agentLoad: ReportKind.AGENT_LOAD,
} as const;
export type ExportName = keyof typeof EXPORT_KIND;

/** Streams one report as CSV (ExportReport) and hands it to the browser as `fileName`. */
export async function downloadCsv(name: ExportName, query: ReportQueryInit, fileName: string): Promise<void> {
  // Chunks may split a character: one decoder across the stream joins it back.
  const decoder = new TextDecoder();
  let csv = "";
  // No deadline: a long range is written chunk by chunk for as long as it takes.
  for await (const body of reports.exportReport({ kind: EXPORT_KIND[name], query }, { timeoutMs: 0 })) {
    csv += decoder.decode(body.data, { stream: true });
  }
  csv += decoder.decode();
  saveTextFile(fileName, csv, "text/csv;charset=utf-8");
}
