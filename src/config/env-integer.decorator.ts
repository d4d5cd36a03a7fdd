import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';

/**
 * An integer environment variable within [min, max]. One constraint, so a bad value gets one message that
 * names the range and the value (class-validator would report every failing bound of a non-number).
 */
export function EnvInteger(min: number, max: number): PropertyDecorator {
  const toNumber = Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value));
  const check = ValidateBy({
    name: 'envInteger',
    validator: {
      validate: (value: unknown) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
      defaultMessage: (args?: ValidationArguments) => `${args?.property} must be an integer from ${min} to ${max} (got ${JSON.stringify(args?.value)})`,
    },
  });
  return (target, property) => {
    toNumber(target, property);
    check(target, property as string);
  };
}
