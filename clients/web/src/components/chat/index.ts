// The conversation UI shared by the customer's chat and the agents' chat console.
export { Composer } from "./Composer";
export { MessageList, type MessageListProps } from "./MessageList";
