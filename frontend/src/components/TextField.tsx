import { useState, type InputHTMLAttributes, type Ref } from 'react';

type NativeInputProps = Pick<
  InputHTMLAttributes<HTMLInputElement>,
  'autoComplete' | 'inputMode' | 'autoCapitalize' | 'spellCheck' | 'maxLength' | 'required'
>;

export interface TextFieldProps extends NativeInputProps {
  id: string;
  name?: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  /** Shown under the input and linked with aria-describedby; marks the input invalid. */
  error?: string | null;
  /** A standing explanation of the rule, also linked with aria-describedby. */
  hint?: string;
  ref?: Ref<HTMLInputElement>;
}

/**
 * A labelled input with its hint and error wired for assistive technology. A password field
 * gets a Show/Hide toggle (a real button, so it is keyboard reachable).
 */
export function TextField({
  id,
  name,
  label,
  type = 'text',
  value,
  onChange,
  onBlur,
  error,
  hint,
  ref,
  ...native
}: TextFieldProps) {
  const [revealed, setRevealed] = useState(false);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const isPassword = type === 'password';

  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <div className="field__control">
        <input
          ref={ref}
          id={id}
          name={name ?? id}
          className="field__input"
          type={isPassword && revealed ? 'text' : type}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          onBlur={onBlur}
          aria-invalid={error ? true : false}
          aria-describedby={describedBy}
          {...native}
        />
        {isPassword && (
          <button
            type="button"
            className="field__toggle"
            aria-controls={id}
            aria-label={revealed ? `Hide ${label.toLowerCase()}` : `Show ${label.toLowerCase()}`}
            onClick={() => setRevealed((shown) => !shown)}
          >
            {revealed ? 'Hide' : 'Show'}
          </button>
        )}
      </div>
      {hint && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field__error">
          {error}
        </p>
      )}
    </div>
  );
}
