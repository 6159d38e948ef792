// A 1-to-5 star rating: a radio group (arrow keys move, one tab stop) drawn as stars, and a
// read-only row of stars for showing a rating. Labels come from the caller (already translated).

import { Star } from "lucide-react";
import { useId, useState } from "react";
import { cx } from "@/lib/cx";

const STARS = [1, 2, 3, 4, 5] as const;

/** A rating shown as filled stars (decorative: say the number in text beside it). */
export function Stars({ value, size = "size-5" }: { value: number; size?: string }) {
  return (
    <span aria-hidden="true" className="flex gap-0.5">
      {STARS.map((star) => (
        <Star key={star} className={cx(size, star <= value ? "fill-current text-warning" : "text-border-strong")} />
      ))}
    </span>
  );
}

interface StarRatingProps {
  /** The group's visible label. */
  legend: string;
  /** The accessible name of each star ("3 stars"). */
  starLabel: (count: number) => string;
  value: number;
  onChange: (value: number) => void;
  /** The message shown under the stars (a missing rating, the server's field violation). */
  error?: string;
}

/** Choosing 1 to 5 stars. */
export function StarRating({ legend, starLabel, value, onChange, error }: StarRatingProps) {
  const name = useId();
  const [hover, setHover] = useState(0);
  const shown = hover || value;
  return (
    <fieldset aria-describedby={error ? `${name}-error` : undefined}>
      <legend className="mb-1.5 text-[13px] font-medium text-fg">{legend}</legend>
      <div className="flex gap-1" onMouseLeave={() => setHover(0)}>
        {STARS.map((star) => (
          <label
            key={star}
            onMouseEnter={() => setHover(star)}
            className="relative rounded-md p-1 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-focus"
          >
            <input
              type="radio"
              name={name}
              value={star}
              checked={value === star}
              onChange={() => onChange(star)}
              // Transparent over the star, so a click or tap lands on the radio itself.
              className="absolute inset-0 m-0 size-full cursor-pointer opacity-0"
            />
            <span className="sr-only">{starLabel(star)}</span>
            <Star
              aria-hidden="true"
              className={cx("pointer-events-none size-7 transition-colors", star <= shown ? "fill-current text-warning" : "text-border-strong")}
            />
          </label>
        ))}
      </div>
      {error ? (
        <p id={`${name}-error`} className="mt-1 text-[13px] text-danger">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
