import { useEffect, useState } from 'react';

function pageFocused(): boolean {
  return document.visibilityState !== 'hidden' && document.hasFocus();
}

/** Whether the user can actually see this page: visible and its window focused. */
export function usePageFocused(): boolean {
  const [focused, setFocused] = useState(pageFocused);
  useEffect(() => {
    const update = () => setFocused(pageFocused());
    window.addEventListener('focus', update);
    window.addEventListener('blur', update);
    document.addEventListener('visibilitychange', update);
    update();
    return () => {
      window.removeEventListener('focus', update);
      window.removeEventListener('blur', update);
      document.removeEventListener('visibilitychange', update);
    };
  }, []);
  return focused;
}
