import { Arg, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { GeneratedContentType, InfluencerModelType } from '../models/model.types';
import { OrganizationType } from '../organizations/organization.types';
import { Mission, MissionCategory, MissionStatus, MissionTemplate } from './mission.entity';
import {
  CheckInInput, CreateMissionTemplateInput, HealthProfileInput, HealthProfileType, MissionCheckInType, MissionTemplateConnection, MissionTemplateType, MissionType,
} from './mission.types';

@Resolver(() => MissionType)
export class MissionResolver {
  @Query(() => MissionTemplateConnection, { description: 'Mission templates anyone may browse, oldest first.' })
  missionTemplates(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Arg('category', () => MissionCategory, { nullable: true, description: 'Only this category.' }) category: MissionCategory | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.missions.templates(ctx, first ?? 20, after, category);
  }

  @Query(() => MissionType, { nullable: true, description: 'One of your missions.' })
  mission(@Arg('id', () => ID, { description: 'The mission\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.missions.findOwn(ctx, id);
  }

  @Mutation(() => HealthProfileType, { description: 'Changes your health profile (needs HEALTH_DATA consent).' })
  updateHealthProfile(@Arg('input', () => HealthProfileInput, { description: 'What to change; fields left out stay as they are, null clears one.' }) input: HealthProfileInput, @Ctx() ctx: Context) {
    return ctx.services.missions.updateHealthProfile(ctx, input);
  }

  @Mutation(() => MissionTemplateType, { description: "Creates a mission template for your organization (ENTERPRISE) or platform-wide (ADMIN)." })
  createMissionTemplate(@Arg('input', () => CreateMissionTemplateInput, { description: 'The template.' }) input: CreateMissionTemplateInput, @Ctx() ctx: Context) {
    return ctx.services.missions.createTemplate(ctx, input);
  }

  @Mutation(() => MissionType, { description: 'Starts a mission today, Asia/Seoul (needs HEALTH_DATA consent; one active per template).' })
  startMission(@Arg('templateId', () => ID, { description: 'The mission template to start.' }) templateId: string, @Ctx() ctx: Context) {
    return ctx.services.missions.start(ctx, templateId);
  }

  @Mutation(() => MissionType, { description: "Records a day's value; a second check-in for the day replaces the first (needs HEALTH_DATA consent)." })
  checkInMission(@Arg('input', () => CheckInInput, { description: 'The mission, the day and the value recorded.' }) input: CheckInInput, @Ctx() ctx: Context) {
    return ctx.services.missions.checkIn(ctx, input);
  }

  @Mutation(() => MissionType, { description: 'Gives up a mission.' })
  abandonMission(@Arg('id', () => ID, { description: 'The mission\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.missions.abandon(ctx, id);
  }

  @FieldResolver(() => MissionTemplateType, { description: 'What the mission is.' })
  template(@Root() mission: Mission) {
    return mission.template;
  }

  @FieldResolver(() => MissionStatus, { description: 'Where it stands today (Asia/Seoul).' })
  async status(@Root() mission: Mission, @Ctx() ctx: Context) {
    return (await ctx.services.missions.view(ctx, mission)).status;
  }

  @FieldResolver(() => Float, { description: '0 to 1: daysOnTarget divided by durationDays, exact (not rounded; round it for display).' })
  async progress(@Root() mission: Mission, @Ctx() ctx: Context) {
    return (await ctx.services.missions.view(ctx, mission)).progress.progress;
  }

  @FieldResolver(() => Int, { description: 'Days of the mission whose check-in reached the target so far.' })
  async daysOnTarget(@Root() mission: Mission, @Ctx() ctx: Context) {
    return (await ctx.services.missions.view(ctx, mission)).progress.daysOnTarget;
  }

  @FieldResolver(() => Int, { description: 'Consecutive days on target up to the latest check-in.' })
  async streakDays(@Root() mission: Mission, @Ctx() ctx: Context) {
    return (await ctx.services.missions.view(ctx, mission)).progress.streakDays;
  }

  @FieldResolver(() => [MissionCheckInType], { description: 'Check-ins, oldest first.' })
  checkIns(@Root() mission: Mission, @Ctx() ctx: Context) {
    return ctx.services.missions.checkIns(ctx, mission);
  }

  @FieldResolver(() => GeneratedContentType, { nullable: true, description: "Latest coaching message from the template's coach model, AI-labelled." })
  coaching(@Root() mission: Mission, @Ctx() ctx: Context) {
    return ctx.services.missions.coaching(ctx, mission);
  }
}

@Resolver(() => MissionTemplateType)
export class MissionTemplateResolver {
  @FieldResolver(() => OrganizationType, { nullable: true, description: 'Whose template (null: platform-wide).' })
  organization(@Root() template: MissionTemplate, @Ctx() ctx: Context) {
    return template.organization ? ctx.loaders.organizationById.load(template.organization.id) : null;
  }

  @FieldResolver(() => InfluencerModelType, { nullable: true, description: 'The model that coaches after each check-in.' })
  coach(@Root() template: MissionTemplate, @Ctx() ctx: Context) {
    return template.coachModelId ? ctx.loaders.modelById.load(template.coachModelId) : null;
  }
}

