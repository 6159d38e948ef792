import { HelpdeskError, Role, type User } from "@helpdesk/client";
import { Download, TriangleAlert, UserX } from "lucide-react";
import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, Dialog, ErrorBanner, TextField } from "@/components";
import { describeError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { roleKey } from "@/lib/roles";
import { downloadUserData, useEraseCustomer } from "../api";

// An email address in running text stays whole: it moves to the next line rather than break at a
// hyphen (which reads as part of the address), and breaks anywhere only when wider than a line.
const EMAIL = "inline-block max-w-full break-all";

/** Whether what the admin typed is the customer's email (as the confirmation of an erasure). */
export function confirmsEmail(typed: string, email: string): boolean {
  return typed.trim().toLowerCase() === email.toLowerCase();
}

/**
 * One user's details, their data as a download, and (customers) the erasure: a second step that
 * says it cannot be undone and asks for the customer's email typed out before it sends the etag
 * the admin saw.
 */
export function UserDetailDialog({ user, onClose, onErased }: { user: User | undefined; onClose: () => void; onErased: (erased: User) => void }) {
  const { t, i18n } = useTranslation("adminUsers");
  const { t: tc } = useTranslation();
  const [erasing, setErasing] = useState(false);
  const [typed, setTyped] = useState("");
  const [downloading, setDownloading] = useState(false);
  const [error, setError] = useState<string>();
  const erase = useEraseCustomer();
  const warningId = useId();

  useEffect(() => {
    // Every opening starts at the details, with nothing typed.
    setErasing(false);
    setTyped("");
    setError(undefined);
  }, [user?.id]);

  if (user === undefined) return <Dialog open={false} onClose={onClose} title="" />;
  const name = user.displayName;
  const erased = user.eraseTime !== undefined;
  const erasable = user.role === Role.CUSTOMER && !erased;

  const download = async () => {
    setDownloading(true);
    setError(undefined);
    try {
      await downloadUserData(user);
    } catch (cause) {
      setError(describeError(cause, tc));
    } finally {
      setDownloading(false);
    }
  };
  const confirm = async () => {
    if (!confirmsEmail(typed, user.email) || erase.isPending) return;
    setError(undefined);
    try {
      onErased(await erase.mutateAsync(user));
    } catch (cause) {
      const reason = HelpdeskError.from(cause).reason;
      setError(reason === "ETAG_MISMATCH" || reason === "NOT_A_CUSTOMER" ? t(`failed.${reason}`, { name }) : describeError(cause, tc));
    }
  };

  if (erasing) {
    return (
      <Dialog
        open
        onClose={onClose}
        title={t("erase.title", { name })}
        footer={
          <>
            <Button variant="secondary" onClick={() => setErasing(false)}>
              {tc("common.cancel")}
            </Button>
            <Button variant="danger" loading={erase.isPending} disabled={!confirmsEmail(typed, user.email)} onClick={() => void confirm()}>
              {t("erase.confirm")}
            </Button>
          </>
        }
      >
        <form
          className="flex flex-col gap-4"
          onSubmit={(event) => {
            event.preventDefault();
            void confirm();
          }}
        >
          <div id={warningId} className="flex gap-3 rounded-lg border border-danger/30 bg-danger-soft p-3 text-sm text-fg">
            <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-danger" />
            <div className="flex flex-col gap-2">
              <p className="font-semibold">{t("erase.irreversible")}</p>
              <p>{t("erase.what", { name })}</p>
              <p>{t("erase.kept")}</p>
            </div>
          </div>
          {error ? <ErrorBanner>{error}</ErrorBanner> : null}
          <TextField
            label={
              <>
                {t("erase.typeEmail")} <span className={EMAIL}>{user.email}</span>
              </>
            }
            value={typed}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={warningId}
            onChange={(event) => setTyped(event.target.value)}
          />
        </form>
      </Dialog>
    );
  }

  return (
    <Dialog open onClose={onClose} title={t("detail.title", { name })} description={<span className={EMAIL}>{user.email}</span>}>
      <div className="flex flex-col gap-5">
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
          <dt className="text-muted">{t("detail.role")}</dt>
          <dd className="text-fg">{tc(roleKey(user.role))}</dd>
          <dt className="text-muted">{t("detail.state")}</dt>
          <dd className="text-fg">{erased ? t("erased") : user.active ? t("active") : t("inactive")}</dd>
          <dt className="text-muted">{t("detail.created")}</dt>
          <dd className="text-fg">{formatDateTime(user.createTime, i18n.language)}</dd>
          <dt className="text-muted">{t("detail.lastLogin")}</dt>
          <dd className="text-fg">{user.lastLoginTime ? formatDateTime(user.lastLoginTime, i18n.language) : t("neverLoggedIn")}</dd>
          {erased ? (
            <>
              <dt className="text-muted">{t("detail.erasedOn")}</dt>
              <dd className="text-fg">{formatDateTime(user.eraseTime, i18n.language)}</dd>
            </>
          ) : null}
        </dl>
        {error ? <ErrorBanner>{error}</ErrorBanner> : null}
        <section aria-labelledby={`${warningId}-data`} className="flex flex-col items-start gap-2">
          <h3 id={`${warningId}-data`} className="text-sm font-semibold text-fg">
            {t("detail.dataTitle")}
          </h3>
          <p className="text-sm text-muted">{t("detail.dataBody", { name })}</p>
          <Button variant="secondary" size="sm" icon={<Download aria-hidden="true" className="size-4" />} loading={downloading} onClick={() => void download()}>
            {t("detail.download")}
          </Button>
        </section>
        {erasable ? (
          <section aria-labelledby={`${warningId}-erase`} className="flex flex-col items-start gap-2 border-t border-border pt-4">
            <h3 id={`${warningId}-erase`} className="text-sm font-semibold text-fg">
              {t("erase.sectionTitle")}
            </h3>
            <p className="text-sm text-muted">{t("erase.sectionBody")}</p>
            <Button variant="danger" size="sm" icon={<UserX aria-hidden="true" className="size-4" />} onClick={() => setErasing(true)}>
              {t("erase.open")}
            </Button>
          </section>
        ) : null}
      </div>
    </Dialog>
  );
}
