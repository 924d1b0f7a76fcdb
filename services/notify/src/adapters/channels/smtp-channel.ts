// Email over SMTP (nodemailer). The Message-ID is derived from notification_id, so a mail
// re-sent after a crash between the SMTP accept and our SENT update carries the same
// Message-ID and receivers can drop the duplicate.
import nodemailer from 'nodemailer';
import type { Channel } from './channel.ts';

/** The Message-ID of a notification's mail (stable across retries). */
export function messageIdFor(notificationId: string): string {
  return `<${notificationId}@notify.commerce.local>`;
}

export function createSmtpChannel(options: { url: string; from: string }): Channel & { close: () => void } {
  const url = new URL(options.url);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    // Bounded well below the dispatcher's claim time, so a claimed row is never sent twice.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(n) {
      if (!n.recipient) throw new Error('notification has no recipient');
      await transport.sendMail({
        from: options.from,
        to: n.recipient,
        subject: n.subject,
        text: n.body,
        messageId: messageIdFor(n.notification_id),
        headers: { 'X-Notification-Id': n.notification_id, 'X-Order-Id': n.order_id },
      });
    },
    close: () => transport.close(),
  };
}
