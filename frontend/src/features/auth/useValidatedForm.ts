import { useEffect, useRef, useState } from 'react';
import type { ApiErrorPayload } from '../../api/client';
import { mapServerError } from './serverErrors';

type Values<F extends string> = Record<F, string>;
type Messages<F extends string> = Partial<Record<F, string>>;

/**
 * Form state shared by the auth pages. When errors show:
 * - a client-side rule error appears once the field was left non-empty, or after a submit;
 * - a server error for a field shows until that field is edited;
 * - on a failed submit, focus moves to the first field in error (after it has rendered, so
 *   a screen reader reads the error with the label).
 */
export function useValidatedForm<F extends string>(
  initial: Values<F>,
  validate: (values: Values<F>) => Record<F, string | null>,
  fieldOrder: readonly F[],
) {
  const [values, setValues] = useState(initial);
  const [touched, setTouched] = useState<Partial<Record<F, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Messages<F>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const inputs = useRef<Partial<Record<F, HTMLInputElement | null>>>({});
  const focusAfterRender = useRef<F | null>(null);

  useEffect(() => {
    const target = focusAfterRender.current;
    if (target === null) return;
    focusAfterRender.current = null;
    inputs.current[target]?.focus();
  });

  const clientErrors = validate(values);

  const errorFor = (field: F): string | null =>
    serverErrors[field] ?? (submitted || touched[field] ? clientErrors[field] : null);

  const setValue = (field: F, value: string) => {
    setValues((previous) => ({ ...previous, [field]: value }));
    setServerErrors((previous) => {
      if (!(field in previous)) return previous;
      const next = { ...previous };
      delete next[field];
      return next;
    });
  };

  /** Props for a `TextField` bound to `field`. */
  const field = (name: F) => ({
    value: values[name],
    onChange: (value: string) => setValue(name, value),
    onBlur: () => {
      if (values[name] !== '') setTouched((previous) => ({ ...previous, [name]: true }));
    },
    error: errorFor(name),
    ref: (element: HTMLInputElement | null) => {
      inputs.current[name] = element;
    },
  });

  /** Starts a submit; returns false (and focuses the first bad field) if rules fail. */
  const beginSubmit = (): boolean => {
    setSubmitted(true);
    setFormError(null);
    setServerErrors({});
    const firstInvalid = fieldOrder.find((name) => clientErrors[name] !== null);
    if (firstInvalid === undefined) return true;
    focusAfterRender.current = firstInvalid;
    return false;
  };

  /** Shows a server rejection next to the inputs it concerns, the rest above the form. */
  const applyServerError = (error: ApiErrorPayload) => {
    const mapped = mapServerError(error, fieldOrder);
    setServerErrors(mapped.fieldErrors);
    setFormError(mapped.formError);
    const firstInvalid = fieldOrder.find((name) => mapped.fieldErrors[name] !== undefined);
    if (firstInvalid !== undefined) focusAfterRender.current = firstInvalid;
  };

  return { values, field, formError, beginSubmit, applyServerError };
}
