// Package awsproto is the server side of the AWS wire protocols that idcenter
// speaks: a runtime representation of botocore service models, model-driven
// input validation with AWS-style messages, the JSON 1.1 router and error
// writer, SigV4 authentication glue, opaque pagination tokens and the JSON 1.1
// timestamp type.
//
// The generated packages under internal/api (written by tools/awsgen) build a
// *Service with NewService and a *JSONService with NewJSONService; hand-written
// handlers implement the generated API interfaces.
//
// # Validation
//
// Service.ValidateInput follows AWS's (Coral's) messages: "N validation
// error(s) detected: " and one "Value 'v' at 'path' failed to satisfy
// constraint: ..." per violation, in model member order, with
// lowerCamelCase paths ("filters.1.member.attributePath"). Values of
// sensitive shapes are never echoed ("Value at 'userName' ..."; inside an
// echoed structure they read ***). Choices where AWS's exact text is not
// pinned down by the models:
//   - A list of scalars (or a map's keys or scalar values) gets one violation
//     at the collection path listing every constraint of the element shape:
//     "Member must satisfy constraint: [Member must have length less than or
//     equal to 128, ...]" ("Map keys must satisfy constraint: [...]").
//   - A union with zero or several members set fails with "Member must have
//     exactly one member set".
//   - Patterns are Java regular expressions matched in full; \uXXXX is
//     translated to RE2's \x{XXXX}. A pattern RE2 cannot compile (today only
//     sso-admin's Duration, which uses a look-ahead) is not enforced; see
//     Shape.PatternError.
//   - Malformed JSON, trailing data, duplicate keys, a key that differs from a
//     member only by case (encoding/json would match it), a wrong JSON type
//     or a number that does not fit the Go type are SerializationException.
//
// awsproto imports only the standard library and its own sigv4 subpackage. It
// must not import services, stores, the api packages or anything from server.
// It does not log: failures are returned as errors or written as wire errors.
package awsproto
