// Shared UI: every feature builds its pages from these.
export { Badge, type BadgeTone } from "./Badge";
export { Button, buttonClasses, type ButtonProps } from "./Button";
export { Dialog } from "./Dialog";
export { EmptyState } from "./EmptyState";
export { ErrorBanner } from "./ErrorBanner";
export { Card, Page, PageHeader } from "./Page";
export { Select, type SelectOption } from "./Select";
export { PageSpinner, Spinner } from "./Spinner";
export { TextArea, TextField } from "./TextField";
export { Highlighted } from "./Highlighted";
export { LanguageSwitcher, ThemeSwitcher } from "./Preferences";
export { Avatar } from "./Avatar";
export { Callout } from "./Callout";
export { SearchInput } from "./SearchInput";
export { PriorityBadge, StatusBadge } from "./TicketBadges";
export { CommandPalette, parsePaletteInput, type PaletteRequest } from "./CommandPalette";
export { Kbd } from "./Kbd";
export { ShortcutHelp } from "./ShortcutHelp";
