import { definePolicy, subjectPolicy } from '../../auth/policy';
import type { Purchase } from './catalog.entity';

// Products and published content are a public catalogue; purchases and reviews are their member's alone.
export const productPolicy = definePolicy<object>({ type: 'Product', project: () => 'full' });
export const contentItemPolicy = definePolicy<object>({ type: 'ContentItem', project: () => 'full' });
export const purchasePolicy = subjectPolicy<Pick<Purchase, 'user'>>('Purchase', (p) => p.user.id);
export const reviewPolicy = subjectPolicy<{ userId: string }>('Review', (r) => r.userId);
