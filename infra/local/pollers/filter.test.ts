import { functions } from '../../functions.ts';
import {
  compileFilter,
  compileFilters,
  InvalidFilterPatternError,
  matchesAnyFilter,
  matchesFilter,
} from './filter.ts';

// Patterns and records below follow the AWS docs: "Lambda event filtering" (filter rule syntax table) and
// "Using event filtering with a DynamoDB event source".

/** The DynamoDB stream record of the docs (CustomerName key, AccountManager and PaymentTerms attributes). */
const ddbRecord = {
  eventID: '1',
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  dynamodb: {
    ApproximateCreationDateTime: 1678831218,
    Keys: { CustomerName: { S: 'AnyCompany Industries' } },
    NewImage: {
      AccountManager: { S: 'Pat Candella' },
      PaymentTerms: { S: '60 days' },
      CustomerName: { S: 'AnyCompany Industries' },
      Active: { BOOL: true },
      Orders: { N: '12' },
    },
    SequenceNumber: '111',
    SizeBytes: 26,
    StreamViewType: 'NEW_IMAGE',
  },
};

describe('plain values', () => {
  it('Equals: "Name": ["Alice"]', () => {
    expect(matchesFilter({ Name: 'Alice' }, { Name: ['Alice'] })).toBe(true);
    expect(matchesFilter({ Name: 'alice' }, { Name: ['Alice'] })).toBe(false);
    expect(matchesFilter({ Other: 'Alice' }, { Name: ['Alice'] })).toBe(false);
  });

  it('Null: "UserID": [null] matches null, not a missing field or a string', () => {
    expect(matchesFilter({ UserID: null }, { UserID: [null] })).toBe(true);
    expect(matchesFilter({}, { UserID: [null] })).toBe(false);
    expect(matchesFilter({ UserID: 'null' }, { UserID: [null] })).toBe(false);
  });

  it('Empty: "LastName": [""]', () => {
    expect(matchesFilter({ LastName: '' }, { LastName: [''] })).toBe(true);
    expect(matchesFilter({ LastName: 'Doe' }, { LastName: [''] })).toBe(false);
  });

  it('numbers and booleans match by type: 5 is not "5"', () => {
    expect(matchesFilter({ Price: 100 }, { Price: [100] })).toBe(true);
    expect(matchesFilter({ Price: 100.0 }, { Price: [100] })).toBe(true);
    expect(matchesFilter({ Price: '100' }, { Price: [100] })).toBe(false);
    expect(matchesFilter({ Flag: true }, { Flag: [true] })).toBe(true);
    expect(matchesFilter({ Flag: 'true' }, { Flag: [true] })).toBe(false);
  });

  it('Or: "PaymentType": ["Credit", "Debit"]', () => {
    const pattern = { PaymentType: ['Credit', 'Debit'] };
    expect(matchesFilter({ PaymentType: 'Debit' }, pattern)).toBe(true);
    expect(matchesFilter({ PaymentType: 'Cash' }, pattern)).toBe(false);
  });

  it('And: "Location": ["New York"], "Day": ["Monday"]', () => {
    const pattern = { Location: ['New York'], Day: ['Monday'] };
    expect(matchesFilter({ Location: 'New York', Day: 'Monday' }, pattern)).toBe(true);
    expect(matchesFilter({ Location: 'New York', Day: 'Tuesday' }, pattern)).toBe(false);
  });

  it('Or (multiple fields): "$or": [{ "Location": ["New York"] }, { "Day": ["Monday"] }]', () => {
    const pattern = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
    expect(matchesFilter({ Location: 'Boston', Day: 'Monday' }, pattern)).toBe(true);
    expect(matchesFilter({ Location: 'New York', Day: 'Friday' }, pattern)).toBe(true);
    expect(matchesFilter({ Location: 'Boston', Day: 'Friday' }, pattern)).toBe(false);
  });

  it('an array in the record matches when any element matches', () => {
    expect(matchesFilter({ tags: ['a', 'b'] }, { tags: ['b'] })).toBe(true);
    expect(matchesFilter({ tags: ['a', 'b'] }, { tags: ['c'] })).toBe(false);
  });

  it('an empty pattern matches everything, an empty value list nothing', () => {
    expect(matchesFilter({ any: 1 }, {})).toBe(true);
    expect(matchesFilter({ Name: 'Alice' }, { Name: [] })).toBe(false);
  });
});

describe('operators', () => {
  it('Equals (ignore case): "Name": [{ "equals-ignore-case": "alice" }]', () => {
    const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };
    expect(matchesFilter({ Name: 'ALICE' }, pattern)).toBe(true);
    expect(matchesFilter({ Name: 'Alicia' }, pattern)).toBe(false);
  });

  it('Not: "Weather": [{ "anything-but": ["Raining"] }]', () => {
    const pattern = { Weather: [{ 'anything-but': ['Raining'] }] };
    expect(matchesFilter({ Weather: 'Sunny' }, pattern)).toBe(true);
    expect(matchesFilter({ Weather: 'Raining' }, pattern)).toBe(false);
    // Like every rule but `exists: false`, anything-but needs the field to be there.
    expect(matchesFilter({}, pattern)).toBe(false);
  });

  it('anything-but with a single value, numbers, a prefix, a suffix and ignore case', () => {
    expect(matchesFilter({ state: 'running' }, { state: [{ 'anything-but': 'initializing' }] })).toBe(true);
    expect(matchesFilter({ state: 'initializing' }, { state: [{ 'anything-but': 'initializing' }] })).toBe(
      false,
    );
    expect(matchesFilter({ code: 200 }, { code: [{ 'anything-but': [404, 500] }] })).toBe(true);
    expect(matchesFilter({ code: 404 }, { code: [{ 'anything-but': [404, 500] }] })).toBe(false);
    expect(matchesFilter({ Region: 'eu-west-1' }, { Region: [{ 'anything-but': { prefix: 'us-' } }] })).toBe(
      true,
    );
    expect(matchesFilter({ Region: 'us-east-1' }, { Region: [{ 'anything-but': { prefix: 'us-' } }] })).toBe(
      false,
    );
    expect(matchesFilter({ File: 'a.jpg' }, { File: [{ 'anything-but': { suffix: '.png' } }] })).toBe(true);
    expect(matchesFilter({ File: 'a.png' }, { File: [{ 'anything-but': { suffix: '.png' } }] })).toBe(false);
    const ignoreCase = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    expect(matchesFilter({ state: 'INITIALIZING' }, ignoreCase)).toBe(false);
    expect(matchesFilter({ state: 'ready' }, ignoreCase)).toBe(true);
  });

  it('Numeric (equals): "Price": [{ "numeric": ["=", 100] }]', () => {
    const pattern = { Price: [{ numeric: ['=', 100] }] };
    expect(matchesFilter({ Price: 100 }, pattern)).toBe(true);
    expect(matchesFilter({ Price: 101 }, pattern)).toBe(false);
    expect(matchesFilter({ Price: '100' }, pattern)).toBe(false);
  });

  it('Numeric (range): "Price": [{ "numeric": [">", 10, "<=", 20] }]', () => {
    const pattern = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
    expect(matchesFilter({ Price: 20 }, pattern)).toBe(true);
    expect(matchesFilter({ Price: 15.5 }, pattern)).toBe(true);
    expect(matchesFilter({ Price: 10 }, pattern)).toBe(false);
    expect(matchesFilter({ Price: 21 }, pattern)).toBe(false);
    expect(matchesFilter({ Price: 5 }, { Price: [{ numeric: ['>', 0, '<=', 5] }] })).toBe(true);
    expect(matchesFilter({ Price: 0 }, { Price: [{ numeric: ['>=', 0, '<', 1] }] })).toBe(true);
  });

  it('Exists: "ProductName": [{ "exists": true }]', () => {
    const pattern = { ProductName: [{ exists: true }] };
    expect(matchesFilter({ ProductName: 'Widget' }, pattern)).toBe(true);
    expect(matchesFilter({ ProductName: null }, pattern)).toBe(true);
    expect(matchesFilter({}, pattern)).toBe(false);
  });

  it('Does not exist: "ProductName": [{ "exists": false }]', () => {
    const pattern = { ProductName: [{ exists: false }] };
    expect(matchesFilter({}, pattern)).toBe(true);
    expect(matchesFilter({ Other: 1 }, pattern)).toBe(true);
    expect(matchesFilter({ ProductName: 'Widget' }, pattern)).toBe(false);
  });

  it('Begins with: "Region": [{ "prefix": "us-" }]', () => {
    const pattern = { Region: [{ prefix: 'us-' }] };
    expect(matchesFilter({ Region: 'us-east-1' }, pattern)).toBe(true);
    expect(matchesFilter({ Region: 'eu-west-1' }, pattern)).toBe(false);
    expect(matchesFilter({ Region: 7 }, pattern)).toBe(false);
    const ignoreCase = { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] };
    expect(matchesFilter({ service: 'EventBridge' }, ignoreCase)).toBe(true);
    expect(matchesFilter({ service: 'Lambda' }, ignoreCase)).toBe(false);
  });

  it('Ends with: "FileName": [{ "suffix": ".png" }]', () => {
    const pattern = { FileName: [{ suffix: '.png' }] };
    expect(matchesFilter({ FileName: 'photo.png' }, pattern)).toBe(true);
    expect(matchesFilter({ FileName: 'photo.jpg' }, pattern)).toBe(false);
    expect(
      matchesFilter({ FileName: 'PHOTO.PNG' }, { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] }),
    ).toBe(true);
  });

  it('values and operators in one list are ORed', () => {
    const pattern = { Region: ['eu-west-1', { prefix: 'us-' }] };
    expect(matchesFilter({ Region: 'eu-west-1' }, pattern)).toBe(true);
    expect(matchesFilter({ Region: 'us-west-2' }, pattern)).toBe(true);
    expect(matchesFilter({ Region: 'ap-south-1' }, pattern)).toBe(false);
  });
});

describe('DynamoDB stream records', () => {
  it('table keys: { dynamodb: { Keys: { CustomerName: { S: ["AnyCompany Industries"] } } } }', () => {
    expect(
      matchesFilter(ddbRecord, { dynamodb: { Keys: { CustomerName: { S: ['AnyCompany Industries'] } } } }),
    ).toBe(true);
    expect(matchesFilter(ddbRecord, { dynamodb: { Keys: { CustomerName: { S: ['Other Company'] } } } })).toBe(
      false,
    );
  });

  it('filters on attribute values with operators', () => {
    expect(
      matchesFilter(ddbRecord, { dynamodb: { NewImage: { AccountManager: { S: [{ prefix: 'Pat' }] } } } }),
    ).toBe(true);
    expect(
      matchesFilter(ddbRecord, { dynamodb: { NewImage: { PaymentTerms: { S: [{ suffix: 'weeks' }] } } } }),
    ).toBe(false);
    expect(matchesFilter(ddbRecord, { dynamodb: { NewImage: { Active: { BOOL: [true] } } } })).toBe(true);
  });

  it('combines eventName and an image attribute (Boolean AND)', () => {
    const pattern = { eventName: ['INSERT'], dynamodb: { NewImage: { PaymentTerms: { S: ['60 days'] } } } };
    expect(matchesFilter(ddbRecord, pattern)).toBe(true);
    expect(matchesFilter({ ...ddbRecord, eventName: 'MODIFY' }, pattern)).toBe(false);
  });

  it('exists applies to the typed leaf ({ S: ... }), not to the attribute object', () => {
    expect(
      matchesFilter(ddbRecord, { dynamodb: { NewImage: { AccountManager: { S: [{ exists: true }] } } } }),
    ).toBe(true);
    expect(
      matchesFilter(ddbRecord, { dynamodb: { NewImage: { Missing: { S: [{ exists: false }] } } } }),
    ).toBe(true);
    expect(
      matchesFilter(ddbRecord, { dynamodb: { NewImage: { AccountManager: { S: [{ exists: false }] } } } }),
    ).toBe(false);
    // The attribute itself is an object, so as a leaf it does not "exist" (the pitfall AWS documents).
    expect(matchesFilter(ddbRecord, { dynamodb: { NewImage: { AccountManager: [{ exists: true }] } } })).toBe(
      false,
    );
  });

  it('numeric rules never match DynamoDB N values, which are strings in the record', () => {
    expect(
      matchesFilter(ddbRecord, { dynamodb: { NewImage: { Orders: { N: [{ numeric: ['>', 10] }] } } } }),
    ).toBe(false);
    expect(matchesFilter(ddbRecord, { dynamodb: { NewImage: { Orders: { N: ['12'] } } } })).toBe(true);
  });

  it("the enqueue function's own filter keeps only inserted USER items", () => {
    const filters = functions.enqueue.stream.filters;
    const user = { ...ddbRecord, dynamodb: { NewImage: { type: { S: 'USER' } } } };
    expect(matchesAnyFilter(user, filters)).toBe(true);
    expect(matchesAnyFilter({ ...user, eventName: 'MODIFY' }, filters)).toBe(false);
    expect(matchesAnyFilter({ ...user, dynamodb: { NewImage: { type: { S: 'TASK' } } } }, filters)).toBe(
      false,
    );
    expect(matchesAnyFilter({ ...user, dynamodb: { OldImage: { type: { S: 'USER' } } } }, filters)).toBe(
      false,
    );
  });
});

describe('several filters', () => {
  it('a record passes when any filter matches; no filters let everything through', () => {
    const filters = [{ eventName: ['INSERT'] }, { eventName: ['REMOVE'] }];
    expect(matchesAnyFilter({ eventName: 'REMOVE' }, filters)).toBe(true);
    expect(matchesAnyFilter({ eventName: 'MODIFY' }, filters)).toBe(false);
    expect(matchesAnyFilter({ eventName: 'MODIFY' }, [])).toBe(true);
    expect(compileFilters(filters)({ eventName: 'INSERT' })).toBe(true);
    expect(compileFilters([])({})).toBe(true);
  });
});

describe('invalid patterns are rejected up front, as CreateEventSourceMapping does', () => {
  it.each([
    ['a bare value instead of a list', { eventName: 'INSERT' }],
    ['an unknown operator', { x: [{ wildcard: '*.png' }] }],
    ['an operator object with two keys', { x: [{ prefix: 'a', suffix: 'b' }] }],
    ['a numeric rule with an odd length', { x: [{ numeric: ['>', 1, '<'] }] }],
    ['a numeric rule with an unknown operator', { x: [{ numeric: ['!=', 1] }] }],
    ['a numeric rule with a string operand', { x: [{ numeric: ['>', '1'] }] }],
    ['exists with a non-boolean', { x: [{ exists: 'yes' }] }],
    ['prefix with a number', { x: [{ prefix: 1 }] }],
    ['$or with one alternative', { $or: [{ x: ['a'] }] }],
  ])('%s', (_label, pattern) => {
    expect(() => compileFilter(pattern)).toThrow(InvalidFilterPatternError);
  });
});
