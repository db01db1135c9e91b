import { useId, useState } from 'react';

/** A secret just made (a token's, a webhook target's): shown this once, to copy. */
export function SecretOnce({ region, name, secret }: { region: string; name: string; secret: string }) {
  const id = useId();
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser refused the clipboard: select the secret and copy it by hand.');
    }
  };
  return (
    <div className="new-secret" role="region" aria-label={region}>
      <p>
        <strong>Copy the secret of {name} now: it is shown only this once.</strong>
      </p>
      <label htmlFor={id}>Secret of {name}</label>
      <input id={id} readOnly value={secret} onFocus={(e) => e.target.select()} />
      <button type="button" onClick={() => void copy()}>
        Copy secret
      </button>
      <span role="status" aria-live="polite">
        {copied}
      </span>
    </div>
  );
}
