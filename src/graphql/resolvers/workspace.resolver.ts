import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { GraphQLContext, requireRequest } from '../context';
import { toGraphQLAgent } from '../mappers';
import { Agent, AgentWithToken, CreateAgentInput, Workspace } from '../types/misc';

@Resolver()
export class WorkspaceResolver {
  @Query(() => Agent, { description: 'The agent the token belongs to.' })
  async me(@Ctx() ctx: GraphQLContext) {
    return toGraphQLAgent(await ctx.services.workspaces.me(requireRequest(ctx)));
  }

  @Query(() => Workspace, { description: "The token's workspace." })
  async workspace(@Ctx() ctx: GraphQLContext) {
    const ws = await ctx.services.workspaces.workspace(requireRequest(ctx));
    return { id: String(ws.id), name: ws.name };
  }

  @Query(() => [Agent], { description: 'Agents of the workspace.' })
  async agents(@Ctx() ctx: GraphQLContext) {
    return (await ctx.services.workspaces.agents(requireRequest(ctx))).map(toGraphQLAgent);
  }

  @Mutation(() => AgentWithToken, { description: 'Creates an agent and its token (ADMIN only).' })
  async createAgent(@Arg('input', () => CreateAgentInput, { description: 'The agent.' }) input: CreateAgentInput, @Ctx() ctx: GraphQLContext) {
    const { agent, token } = await ctx.services.workspaces.createAgent(requireRequest(ctx), { name: input.name, email: input.email, role: input.role ?? 'AGENT' });
    return { agent: toGraphQLAgent(agent), token };
  }
}
