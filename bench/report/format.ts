/** Cell formatting shared by the tables: fixed, readable precision; '-' for what was not measured. */
export function num(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return num(value, value < 10 ? 2 : value < 100 ? 1 : 0);
}

export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(2)}×`;
}
