// Type-level checks that the export shapes are the consumers' own types. Compiled
// by `npm run typecheck` and, with the TypeScript compiler, by consumers.test.ts.
import type { UIMessage as AiUIMessage } from 'ai'
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { expectTypeOf } from 'vitest'
import type { OpenAIChatMessage } from '../../src/export/formats/openai.js'
import type { UIMessage } from '../../src/export/formats/vercel-ui.js'

expectTypeOf<OpenAIChatMessage>().toExtend<ChatCompletionMessageParam>()
expectTypeOf<OpenAIChatMessage[]>().toExtend<ChatCompletionMessageParam[]>()
expectTypeOf<UIMessage>().toExtend<AiUIMessage>()
expectTypeOf<UIMessage[]>().toExtend<AiUIMessage[]>()
