import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  currencyDigits,
  decimalTextToMoney,
  decimalToNumber,
  durationToHours,
  hoursToDuration,
  hoursToMinutes,
  minorUnitsToMoney,
  moneyToMinorUnits,
  moneyToNumber,
  multiplyDecimals,
  numberToDecimal,
  numberToDecimalString,
  numberToMoney,
  roundDecimal,
  Scope,
} from '../../../canonical/mappings/index.js';
import { assertMappingError } from './helpers.js';

const s = new Scope('kantata', 'expense', 'to-vendor');
const twoPlaces = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }), fc.integer({ min: 0, max: 99 }), fc.boolean()).map(([i, f, neg]) => `${neg && (i > 0n || f > 0) ? '-' : ''}${i}.${String(f).padStart(2, '0')}`);

describe('exact money, number and duration conversions', () => {
  it('knows the minor units of a currency', () => {
    assert.equal(currencyDigits('USD'), 2);
    assert.equal(currencyDigits('JPY'), 0);
    assert.equal(currencyDigits('BHD'), 3);
  });

  it('converts money to integer cents and back without floating-point error', () => {
    assert.equal(moneyToMinorUnits({ amount: '0.29', currency: 'USD' }, 'amount', s), 29); // 0.29 * 100 = 28.999999999999996
    assert.equal(moneyToMinorUnits({ amount: '1.1', currency: 'USD' }, 'amount', s), 110);
    assert.equal(moneyToMinorUnits({ amount: '1234', currency: 'JPY' }, 'amount', s), 1234);
    assert.equal(moneyToMinorUnits({ amount: '1.005', currency: 'BHD' }, 'amount', s), 1005);
    assert.deepEqual(minorUnitsToMoney(31240, 'USD', 'amount_in_cents', s), { amount: '312.40', currency: 'USD' });
    assert.deepEqual(minorUnitsToMoney(-5, 'USD', 'amount_in_cents', s), { amount: '-0.05', currency: 'USD' });
    fc.assert(
      fc.property(twoPlaces, (amount) => {
        const cents = moneyToMinorUnits({ amount, currency: 'USD' }, 'amount', s);
        assert.equal(minorUnitsToMoney(cents, 'USD', 'x', s).amount, amount);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an amount smaller than the minor unit, naming the field', () => {
    assertMappingError(() => moneyToMinorUnits({ amount: '312.405', currency: 'USD' }, 'amount', s), 'amount.amount', /minor units/);
    assertMappingError(() => moneyToMinorUnits({ amount: '5.5', currency: 'JPY' }, 'budget', s), 'budget.amount', /0 decimal places for JPY/);
    assertMappingError(() => minorUnitsToMoney(1.5, 'USD', 'price_in_cents', s), 'price_in_cents');
  });

  it('writes JSON numbers only when they hold the decimal exactly', () => {
    assert.equal(moneyToNumber({ amount: '120000.00', currency: 'USD' }, 'amount', s), 120000);
    assert.equal(decimalToNumber('0.1', 'q', s), 0.1);
    assert.equal(decimalToNumber('999999999999999', 'q', s), 999999999999999);
    assert.equal(decimalToNumber('123456789012345.67', 'q', s), 123456789012345.67); // its JSON text is exactly these digits
    assertMappingError(() => decimalToNumber('999999999999999.99', 'q', s), 'q', /significant digits/);
    assertMappingError(() => moneyToNumber({ amount: '10.001', currency: 'USD' }, 'rate', s), 'rate.amount', /2 decimal places/);
    fc.assert(
      fc.property(twoPlaces, (amount) => {
        const n = moneyToNumber({ amount, currency: 'USD' }, 'amount', s);
        assert.equal(numberToMoney(n, 'USD', 'amount', s).amount, amount);
      }),
      { numRuns: 500 },
    );
  });

  it('reads vendor numbers as canonical decimals padded to the currency', () => {
    assert.deepEqual(numberToMoney(120000, 'USD', 'Amount', s), { amount: '120000.00', currency: 'USD' });
    assert.deepEqual(numberToMoney(312.4, 'GBP', 'Amount', s), { amount: '312.40', currency: 'GBP' });
    assert.deepEqual(numberToMoney(0.125, 'USD', 'rate', s), { amount: '0.125', currency: 'USD' });
    assert.equal(numberToDecimalString(1e-7), '0.0000001');
    assert.equal(numberToDecimalString(1.5e21), '1500000000000000000000');
    assert.equal(numberToDecimal(7, 'Quantity', s), '7');
    assertMappingError(() => numberToDecimal(1.5e21, 'Amount', s), 'Amount', /canonical decimal/);
    assertMappingError(() => numberToDecimal(Number.NaN, 'Amount', s), 'Amount', /finite/);
    assert.deepEqual(decimalTextToMoney('1,250.5', 'USD', 'price', s), { amount: '1250.50', currency: 'USD' });
  });

  it('multiplies and rounds decimals exactly', () => {
    assert.equal(multiplyDecimals('0.1', '0.2'), '0.02');
    assert.equal(roundDecimal('2.675', 2), '2.68'); // a float would say 2.67
    assert.equal(roundDecimal('-2.675', 2), '-2.68');
    assert.equal(roundDecimal('3', 2), '3.00');
  });

  it('converts hours to whole minutes and NetSuite durations, refusing fractions of a minute', () => {
    assert.equal(hoursToMinutes(7.5, 'hours', s), 450);
    assert.equal(hoursToMinutes(1 / 3, 'hours', s), 20);
    assert.equal(hoursToDuration(7.5, 'hours', s), '7:30');
    assert.equal(hoursToDuration(0.25, 'hours', s), '0:15');
    assert.equal(durationToHours('7:30', 'hours', s), 7.5);
    assert.equal(durationToHours(7.25, 'hours', s), 7.25);
    assert.equal(durationToHours('8', 'hours', s), 8);
    assertMappingError(() => hoursToMinutes(7.33, 'hours', s), 'hours', /whole number of minutes/);
    assertMappingError(() => durationToHours('7h30', 'hours', s), 'hours', /H:MM/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 * 60 }), (minutes) => {
        const hours = minutes / 60;
        assert.equal(durationToHours(hoursToDuration(hours, 'h', s), 'h', s), hours);
        assert.equal(hoursToMinutes(hours, 'h', s), minutes);
      }),
    );
  });
});
