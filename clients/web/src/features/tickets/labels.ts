// The shared ticket names, as this feature's modules import them.
export { CATEGORIES, PRIORITY_NAME, STATUS_NAME } from "@/lib/ticket-names";
