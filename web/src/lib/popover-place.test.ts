import { placePopover } from './ui.tsx';

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const list = { width: 224, height: 120 };

describe("a popover's place on screen", () => {
  it('opens under its button, right-aligned with it', () => {
    expect(placePopover({ top: 280, bottom: 320, right: 700 }, list, desktop)).toMatchObject({
      position: 'fixed',
      left: 476,
      top: 324,
      width: 224,
    });
  });

  it('stays inside the viewport when the button is near its left or right edge (a phone)', () => {
    expect(placePopover({ top: 300, bottom: 340, right: 60 }, list, phone)).toMatchObject({ left: 8 });
    expect(placePopover({ top: 300, bottom: 340, right: 390 }, list, phone)).toMatchObject({ left: 158 });
    expect(
      placePopover({ top: 300, bottom: 340, right: 200 }, { width: 600, height: 100 }, phone),
    ).toMatchObject({ left: 8, width: 374 });
  });

  it('opens over its button when there is no room under it, and scrolls when taller than the room', () => {
    expect(placePopover({ top: 700, bottom: 740, right: 700 }, list, desktop)).toMatchObject({
      top: 576,
      maxHeight: 120,
    });
    const tall = placePopover({ top: 100, bottom: 140, right: 700 }, { width: 224, height: 2000 }, desktop);
    expect(tall).toMatchObject({ top: 144, maxHeight: 648 });
  });
});
