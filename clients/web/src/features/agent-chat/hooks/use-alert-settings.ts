// The new-chat alert settings (sound, title badge), kept in localStorage on this device.

import { useCallback, useState } from "react";
import { ALERTS_KEY, parseAlerts, type AlertSettings } from "../model/alerts";

function load(): AlertSettings {
  try {
    return parseAlerts(window.localStorage.getItem(ALERTS_KEY));
  } catch {
    return parseAlerts(null);
  }
}

export function useAlertSettings(): [AlertSettings, (next: AlertSettings) => void] {
  const [settings, setSettings] = useState(load);
  const update = useCallback((next: AlertSettings) => {
    setSettings(next);
    try {
      window.localStorage.setItem(ALERTS_KEY, JSON.stringify(next));
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }, []);
  return [settings, update];
}
