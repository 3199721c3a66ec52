import type { Notification } from './contract.js';
import { endedAt, formatDuration, formatValue, rfc3339, titleOf } from './format.js';

/** The message fields `emailNotifier` hands to its transport (a subset of nodemailer's). */
export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Longest subject line; longer ones are cut (mail clients show far less anyway). */
const SUBJECT_LENGTH = 200;

/** Builds the email for `notification`: a subject, a text body and an HTML body with the same facts. */
export function emailMessage(notification: Notification, envelope: { from: string; to: readonly string[]; subjectPrefix: string }): EmailMessage {
  const { alert } = notification;
  const resolved = notification.status === 'resolved';
  const head = `${envelope.subjectPrefix ? `${envelope.subjectPrefix} ` : ''}${titleOf(notification)} (${alert.severity})`;
  const subject = oneLine(resolved ? head : `${head}: ${alert.message}`);
  const facts = factsOf(notification);
  const text = [
    titleOf(notification),
    alert.message,
    '',
    ...facts.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}`),
    '',
    'Labels:',
    ...Object.keys(alert.labels)
      .sort()
      .map((k) => `  ${k}="${alert.labels[k]}"`),
    ...(Object.keys(alert.annotations).length > 0 ? ['', 'Annotations:', ...Object.entries(alert.annotations).map(([k, v]) => `  ${k}: ${v}`)] : []),
    '',
    `Notification ${notification.id} (${notification.reason}), sent by pulsewatch.`,
  ].join('\n');
  const rows = (pairs: readonly (readonly [string, string])[]): string =>
    pairs.map(([k, v]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${html(k)}</th><td>${html(v)}</td></tr>`).join('');
  const color = resolved ? '#2eb886' : alert.severity === 'critical' ? '#d00000' : alert.severity === 'warning' ? '#c99a00' : '#444444';
  const link = notification.generatorURL ? `<p><a href="${html(notification.generatorURL)}">Open the alert</a></p>` : '';
  const htmlBody = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="color:${color}">${html(titleOf(notification))}</h2>`,
    `<p>${html(alert.message)}</p>`,
    `<table>${rows(facts)}</table>`,
    `<h3>Labels</h3><table>${rows(Object.keys(alert.labels).sort().map((k) => [k, alert.labels[k]!] as const))}</table>`,
    Object.keys(alert.annotations).length > 0 ? `<h3>Annotations</h3><table>${rows(Object.entries(alert.annotations))}</table>` : '',
    link,
    `<p style="color:#888">Notification ${html(notification.id)} (${html(notification.reason)}), sent by pulsewatch.</p>`,
    '</body></html>',
  ].join('');
  return {
    from: envelope.from,
    to: [...envelope.to],
    subject: subject.length > SUBJECT_LENGTH ? `${subject.slice(0, SUBJECT_LENGTH - 3)}...` : subject,
    text,
    html: htmlBody,
    headers: {
      'X-Pulsewatch-Notification-Id': notification.id,
      'X-Pulsewatch-Fingerprint': alert.fingerprint,
      // Mail clients thread the firing and the resolved message of one alert together.
      References: `<${alert.id.replace(/[<>\s]/g, '')}@pulsewatch>`,
    },
  };
}

/** `to` plus the alert's `recipients`, without duplicates (case-insensitive). */
export function recipientsOf(to: readonly string[], notification: Notification): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const address of [...to, ...notification.alert.recipients]) {
    const key = address.trim().toLowerCase();
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(address.trim());
  }
  return out;
}

function factsOf(notification: Notification): [string, string][] {
  const { alert } = notification;
  const facts: [string, string][] = [
    ['Severity', alert.severity],
    ['Value', formatValue(alert.value)],
    ['Threshold', formatValue(alert.threshold)],
    ['Started', rfc3339(alert.startsAt)],
  ];
  if (notification.status === 'resolved') {
    facts.push(['Resolved', rfc3339(endedAt(notification))], ['Duration', formatDuration(endedAt(notification) - alert.startsAt)]);
  }
  facts.push(['Service', notification.service]);
  if (notification.generatorURL) facts.push(['Link', notification.generatorURL]);
  return facts;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
