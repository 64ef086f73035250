import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * A stream record's item image (NewImage or OldImage) as a plain item; undefined when the record has none. On
 * its own (util-dynamodb only), so a small consumer such as enqueue does not bundle the table's client code.
 */
export const streamImage = (image: object | undefined): Record<string, unknown> | undefined =>
  image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
