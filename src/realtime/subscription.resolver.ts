import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context';
import type { DataSubjectRequest } from '../modules/data-subject-requests/dsr.entity';
import { DataSubjectRequestType_ } from '../modules/data-subject-requests/dsr.types';
import type { Dataset } from '../modules/datasets/dataset.entity';
import { DatasetType } from '../modules/datasets/dataset.types';
import type { TrainingJob } from '../modules/models/model.entity';
import { TrainingJobType } from '../modules/models/model.types';
import { allowedBy, follow, type ShieldRule } from './follow';
import { subscriptionRules } from './subscription.rules';

type Subscribe = { args: { id: string }; context: Context; info: unknown };
const rules = subscriptionRules.Subscription as unknown as Record<string, ShieldRule>;

/**
 * Live job progress over graphql-ws (the same /graphql path). Each message is
 * the row as the subscriber may read it, under the same rules as the queries.
 */
@Resolver()
export class SubscriptionResolver {
  @Subscription(() => DatasetType, {
    description: 'Follows a dataset: first its current state, then a message whenever its status, counts or issues change (upload, validation, consumption, deletion). Same access as dataset(id).',
    subscribe: async ({ args, context, info }: Subscribe) => (await allowedBy(rules.datasetUpdated, args, context, info), follow(context, 'dataset', args.id, (ctx) => ctx.services.datasets.find(ctx, args.id))),
  })
  datasetUpdated(@Root() dataset: Dataset, @Arg('id', () => ID, { description: 'The dataset\'s id.' }) _id: string): Dataset {
    return dataset;
  }

  @Subscription(() => TrainingJobType, {
    description: 'Follows a training job: first its current state, then a message whenever its status, progress or events change. Same access as trainingJob(id).',
    subscribe: async ({ args, context, info }: Subscribe) => (await allowedBy(rules.trainingJobUpdated, args, context, info), follow(context, 'training-job', args.id, (ctx) => ctx.services.models.findJob(ctx, args.id))),
  })
  trainingJobUpdated(@Root() job: TrainingJob, @Arg('id', () => ID, { description: 'The training job\'s id.' }) _id: string): TrainingJob {
    return job;
  }

  @Subscription(() => DataSubjectRequestType_, {
    description: 'Follows one of your data-subject requests (or any, for a PRIVACY_OFFICER): first its current state, then a message whenever its processing job moves it on. Same access as dataSubjectRequest(id).',
    subscribe: async ({ args, context, info }: Subscribe) => (await allowedBy(rules.dataSubjectRequestUpdated, args, context, info), follow(context, 'data-subject-request', args.id, (ctx) => ctx.services.dataSubjectRequests.find(ctx, args.id))),
  })
  dataSubjectRequestUpdated(@Root() request: DataSubjectRequest, @Arg('id', () => ID, { description: 'The request\'s id.' }) _id: string): DataSubjectRequest {
    return request;
  }
}
