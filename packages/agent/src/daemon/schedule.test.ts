import { inWindow, parseWindow } from './schedule';

// Local time: these dates are built with the local constructor, so the test holds in any time zone.
const at = (d: number, h: number, m = 0) => new Date(2026, 10, d, h, m); // November 2026: the 23rd is a Monday

describe('backup windows', () => {
  test('weekday range', () => {
    const w = [parseWindow('Mon-Fri 01:00-05:00')];
    expect(inWindow(w, at(23, 2))).toBe(true); // Monday 02:00
    expect(inWindow(w, at(23, 5))).toBe(false); // end is exclusive
    expect(inWindow(w, at(22, 2))).toBe(false); // Sunday
  });

  test('a window that wraps past midnight belongs to the day it starts', () => {
    const w = [parseWindow('Fri 22:00-06:00')];
    expect(inWindow(w, at(27, 23))).toBe(true); // Friday 23:00
    expect(inWindow(w, at(28, 3))).toBe(true); // Saturday 03:00, still Friday's window
    expect(inWindow(w, at(27, 3))).toBe(false); // Friday 03:00 belongs to Thursday's
  });

  test('lists, stars, several windows, no window', () => {
    expect(inWindow([parseWindow('Sat,Sun 00:00-24:00')], at(22, 12))).toBe(true);
    expect(inWindow([parseWindow('* 12:00-13:00'), parseWindow('Tue 08:00-09:00')], at(24, 8, 30))).toBe(true);
    expect(inWindow([], at(24, 8))).toBe(true);
  });

  test('bad windows say what is wrong', () => {
    expect(() => parseWindow('Mon 1-5')).toThrow(/bad time "1"/);
    expect(() => parseWindow('Funday 01:00-02:00')).toThrow(/bad day "Funday"/);
    expect(() => parseWindow('01:00-02:00')).toThrow(/expected "DAYS HH:MM-HH:MM"/);
  });
});
