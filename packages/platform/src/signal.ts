// A wake-up signal with a timeout: the relay sleeps on it and a commit wakes it at once.

export type WakeSignal = { wake: () => void; wait: (timeoutMs: number) => Promise<void> };

export function createWakeSignal(): WakeSignal {
  let pending = false;
  let release: (() => void) | undefined;
  return {
    wake() {
      pending = true;
      release?.();
    },
    async wait(timeoutMs) {
      if (pending) {
        pending = false;
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          release = undefined;
          resolve();
        }
        release = done;
      });
      pending = false;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
