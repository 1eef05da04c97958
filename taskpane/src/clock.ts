// Times as the panes and screens show them.

/** clock is a time as HH:MM in the user's time zone, or '' for a time that does not parse. */
export function clock(rfc3339: string): string {
  const time = new Date(rfc3339);
  if (Number.isNaN(time.getTime())) return '';
  return `${String(time.getHours()).padStart(2, '0')}:${String(time.getMinutes()).padStart(2, '0')}`;
}
