/** How both stores' rows hold times and flags (SQLite: ISO text and 0/1; PostgreSQL: Date and boolean), and their API forms. */
export type Time = string | Date;
export type Flag = number | boolean;

export const iso = (t: Time): string => (typeof t === 'string' ? t : t.toISOString());
export const flag = (f: Flag): boolean => f === true || f === 1;
