// Shared UI: every feature builds its pages from these. Heavier pieces used by a few lazy pages only
// (MarkdownView, ArticleLinkPicker, StarRating, CannedResponsePicker, chat/) are imported by their own paths, so that
// this barrel, which the app shell loads up front, does not pull them into the first download.
export { Badge, type BadgeTone } from "./Badge";
export { Button, buttonClasses, type ButtonProps } from "./Button";
export { ConfirmDialog } from "./ConfirmDialog";
export { Dialog } from "./Dialog";
export { EmptyState } from "./EmptyState";
export { ErrorBanner } from "./ErrorBanner";
export { Card, Page, PageHeader } from "./Page";
export { Select, SelectControl, type SelectOption } from "./Select";
export { PageSpinner, Spinner } from "./Spinner";
export { TextArea, TextField } from "./TextField";
export { Highlighted } from "./Highlighted";
export { LanguageSwitcher, ThemeSwitcher } from "./Preferences";
export { Avatar } from "./Avatar";
export { Callout } from "./Callout";
export { SearchInput } from "./SearchInput";
export { PriorityBadge, StatusBadge } from "./TicketBadges";
export { Kbd } from "./Kbd";
export { NotFoundOrError } from "./NotFoundOrError";
export { LoadedItem } from "./LoadedItem";
export { MessageText } from "./MessageText";
