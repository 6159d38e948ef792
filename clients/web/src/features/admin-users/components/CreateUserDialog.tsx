import { HelpdeskError, Role, type User } from "@helpdesk/client";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, Dialog, ErrorBanner, Select, TextField } from "@/components";
import { describeError, mapViolations } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { useCreateUser } from "../api";

const FIELDS = ["displayName", "email", "role", "password"] as const;
type Field = (typeof FIELDS)[number];
const PATHS: Partial<Record<string, Field>> = {
  "user.display_name": "displayName",
  "user.email": "email",
  "user.role": "role",
  password: "password",
};

interface Draft {
  displayName: string;
  email: string;
  role: "agent" | "admin";
  password: string;
  /** One per user being added: a double submit or a retry after a lost answer adds one user. */
  requestId: string;
}

function emptyDraft(): Draft {
  return { displayName: "", email: "", role: "agent", password: "", requestId: newRequestId() };
}

/** The "Add user" form in a dialog: only required fields are checked here; the server's field errors show at their fields. */
export function CreateUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (user: User) => void }) {
  const { t } = useTranslation("adminUsers");
  const { t: tc } = useTranslation();
  const [draft, setDraft] = useState(emptyDraft);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [banner, setBanner] = useState<{ message: string; details: string[] }>();
  const create = useCreateUser();

  const update = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };
  const focusFirst = (found: Partial<Record<Field, string>>): boolean => {
    const first = FIELDS.find((field) => found[field]);
    if (first) document.getElementById(`new-user-${first}`)?.focus();
    return first !== undefined;
  };
  const close = () => {
    setErrors({});
    setBanner(undefined);
    onClose();
  };

  const submit = async () => {
    setBanner(undefined);
    const found: Partial<Record<Field, string>> = {};
    if (!draft.displayName.trim()) found.displayName = tc("errors.field.required");
    if (!draft.email.trim()) found.email = tc("errors.field.required");
    if (!draft.password) found.password = tc("errors.field.required");
    setErrors(found);
    if (focusFirst(found) || create.isPending) return;
    try {
      const user = await create.mutateAsync({
        displayName: draft.displayName.trim(),
        email: draft.email.trim(),
        role: draft.role === "admin" ? Role.ADMIN : Role.AGENT,
        password: draft.password,
        requestId: draft.requestId,
      });
      setDraft(emptyDraft());
      onCreated(user);
    } catch (error) {
      const failure = HelpdeskError.from(error);
      if (failure.reason === "EMAIL_TAKEN") {
        setErrors({ email: tc("errors.reason.EMAIL_TAKEN") });
        focusFirst({ email: "taken" });
        return;
      }
      const placed = mapViolations(failure.fieldViolations, FIELDS, tc, PATHS);
      setErrors(placed.fields);
      if (!focusFirst(placed.fields) || placed.unplaced.length > 0) {
        setBanner({ message: describeError(failure, tc), details: placed.unplaced });
      }
    }
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      title={t("create.title")}
      description={t("create.description")}
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            {tc("common.cancel")}
          </Button>
          <Button type="submit" form="new-user-form" loading={create.isPending}>
            {t("create.submit")}
          </Button>
        </>
      }
    >
      <form
        id="new-user-form"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {banner ? <ErrorBanner details={banner.details}>{banner.message}</ErrorBanner> : null}
        <TextField
          id="new-user-displayName"
          label={t("create.name")}
          autoComplete="off"
          maxLength={100}
          value={draft.displayName}
          error={errors.displayName}
          onChange={(event) => update("displayName", event.target.value)}
        />
        <TextField
          id="new-user-email"
          label={t("create.email")}
          type="email"
          autoComplete="off"
          value={draft.email}
          error={errors.email}
          onChange={(event) => update("email", event.target.value)}
        />
        <Select
          id="new-user-role"
          label={t("create.role")}
          value={draft.role}
          error={errors.role}
          options={[
            { value: "agent", label: tc("role.agent") },
            { value: "admin", label: tc("role.admin") },
          ]}
          onChange={(event) => update("role", event.target.value === "admin" ? "admin" : "agent")}
        />
        <TextField
          id="new-user-password"
          label={t("create.password")}
          hint={t("create.passwordHint")}
          type="password"
          autoComplete="new-password"
          value={draft.password}
          error={errors.password}
          onChange={(event) => update("password", event.target.value)}
        />
      </form>
    </Dialog>
  );
}
