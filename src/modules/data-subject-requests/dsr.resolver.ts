import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { UserType } from '../users/user.types';
import type { UserRow } from '../users/user.entity';
import { DataSubjectRequest, type ErasureReportData } from './dsr.entity';
import {
  DataSubjectRequestConnection, DataSubjectRequestEventType, DataSubjectRequestFilter, DataSubjectRequestType_, ErasureReportType, JSONScalar,
  ProcessingActivityType, RectificationInput, SeparatedRecordConnection, SubmitDataSubjectRequestInput, WithdrawalReceiptType,
} from './dsr.types';

/** The stored report as the GraphQL type shows it. */
export const reportView = (report: ErasureReportData) => ({
  erasedCategories: report.erasedCategories,
  retained: report.retained.map((r) => ({ ...r, retainUntil: new Date(r.retainUntil) })),
  completedAt: new Date(report.completedAt),
  counts: Object.entries(report.counts).map(([category, count]) => ({ category, count })),
});

@Resolver(() => DataSubjectRequestType_)
export class DataSubjectRequestResolver {
  @Query(() => DataSubjectRequestType_, { nullable: true, description: 'One of your requests (or any, for a PRIVACY_OFFICER).' })
  dataSubjectRequest(@Arg('id', () => ID, { description: 'The request.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.find(ctx, id);
  }

  @Query(() => DataSubjectRequestConnection, { description: 'The request queue, oldest first (PRIVACY_OFFICER).' })
  dataSubjectRequests(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Arg('filter', () => DataSubjectRequestFilter, { nullable: true, description: 'Narrows the queue.' }) filter: DataSubjectRequestFilter | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.dataSubjectRequests.list(ctx, first ?? 20, after, filter);
  }

  @Query(() => SeparatedRecordConnection, { description: 'Records kept apart after erasure because a law requires it, oldest first (PRIVACY_OFFICER).' })
  separatedRecords(
    @Arg('subjectId', () => ID, { nullable: true, description: 'Only this person\'s records.' }) subjectId: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.dataSubjectRequests.separated(ctx, subjectId, first ?? 20, after);
  }

  @Mutation(() => DataSubjectRequestType_, { description: 'Asks about your own data; needs your password. Access, status notices and erasure run at once; suspension is in force before this returns.' })
  submitDataSubjectRequest(@Arg('input', () => SubmitDataSubjectRequestInput, { description: 'What you ask.' }) input: SubmitDataSubjectRequestInput, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.submit(ctx, input);
  }

  @Mutation(() => WithdrawalReceiptType, { description: 'Closes your account now and erases your data (records a law requires are kept apart); needs your password.' })
  withdraw(@Arg('password', { description: 'Your current password.' }) password: string, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.withdraw(ctx, password).then((r) => ({ ...r, erasure: reportView(r.erasure) }));
  }

  @Mutation(() => DataSubjectRequestType_, { description: 'Takes up a submitted request (PRIVACY_OFFICER).' })
  startDataSubjectRequest(@Arg('id', () => ID, { description: 'The request.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.start(ctx, id);
  }

  @Mutation(() => DataSubjectRequestType_, { description: 'Completes a request that waits for a person: applies a rectification, runs an erasure whose legal hold was released, or re-runs failed work (PRIVACY_OFFICER).' })
  completeDataSubjectRequest(
    @Arg('id', () => ID, { description: 'The request.' }) id: string,
    @Arg('note', () => String, { nullable: true, description: 'What was done, for the subject and the record.' }) note: string | null,
    @Arg('rectification', () => RectificationInput, { nullable: true, description: 'RECTIFICATION: the corrections to apply, when they differ from those asked for.' }) rectification: RectificationInput | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.dataSubjectRequests.complete(ctx, id, note, rectification);
  }

  @Mutation(() => DataSubjectRequestType_, { description: 'Refuses a request; the reason is shown to the subject (PRIVACY_OFFICER).' })
  rejectDataSubjectRequest(@Arg('id', () => ID, { description: 'The request.' }) id: string, @Arg('reason', { description: 'Why (1 to 1000 characters).' }) reason: string, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.reject(ctx, id, reason);
  }

  @Mutation(() => DataSubjectRequestType_, { description: 'Moves the due date, with a stated reason, at most 60 days after submission (PRIVACY_OFFICER).' })
  postponeDataSubjectRequest(
    @Arg('id', () => ID, { description: 'The request.' }) id: string,
    @Arg('reason', { description: 'Why (shown to the subject).' }) reason: string,
    @Arg('until', () => Date, { description: 'The new due date, later than the current one.' }) until: Date,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.dataSubjectRequests.postpone(ctx, id, reason, until);
  }

  @Mutation(() => UserType, { description: "Lifts a user's processing suspension (PRIVACY_OFFICER); the user's latest suspension request records it." })
  liftProcessingSuspension(@Arg('userId', () => ID, { description: 'The user.' }) userId: string, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.liftSuspension(ctx, userId);
  }

  @FieldResolver(() => UserType, { description: 'Whose request it is.' })
  subject(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return ctx.loaders.userById.load(request.subjectId);
  }

  @FieldResolver(() => String, { nullable: true, description: 'What the subject wrote (erased with the account).' })
  details(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.details(ctx, request);
  }

  @FieldResolver(() => JSONScalar, { nullable: true, description: 'RECTIFICATION: the corrections asked for, e.g. {"name": "홍길동"}.' })
  requestedCorrections(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.requestedCorrections(ctx, request);
  }

  @FieldResolver(() => Boolean, { description: 'Open and past its due date.' })
  overdue(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.overdue(request);
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'The officer who handled it.' })
  handledBy(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return request.handledById ? ctx.loaders.userById.load(request.handledById) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'ACCESS: a signed link to the export (JSON), valid at most 24 hours; every download is access-logged.' })
  exportUrl(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.exportLink(request, 'export.json')?.url ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'ACCESS: the same export as a readable HTML page (Korean), same link rules.' })
  exportHtmlUrl(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.exportLink(request, 'export.html')?.url ?? null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the export links stop working.' })
  exportExpiresAt(@Root() request: DataSubjectRequest, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.exportLink(request, 'export.json')?.expiresAt ?? null;
  }

  @FieldResolver(() => ErasureReportType, { nullable: true, description: 'ERASURE: what went and what stays.' })
  erasure(@Root() request: DataSubjectRequest) {
    return request.erasureReport ? reportView(request.erasureReport) : null;
  }

  @FieldResolver(() => [ProcessingActivityType], { nullable: true, description: 'PROCESSING_STATUS_NOTICE: how each category of the data is processed.' })
  processingStatus(@Root() request: DataSubjectRequest) {
    return request.processingStatus;
  }

  @FieldResolver(() => [DataSubjectRequestEventType], { description: 'Every change, oldest first.' })
  events(@Root() request: DataSubjectRequest) {
    return request.events.map((e) => ({ ...e, at: new Date(e.at) }));
  }
}

@Resolver(() => UserType)
export class UserDataSubjectRequestsResolver {
  @FieldResolver(() => [DataSubjectRequestType_], { description: "The user's data-subject requests, newest first. The user and PRIVACY_OFFICER." })
  dataSubjectRequests(@Root() user: UserRow, @Ctx() ctx: Context) {
    return ctx.services.dataSubjectRequests.listOfSubject(ctx, user.id);
  }
}
