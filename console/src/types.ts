// The API's records as the console reads them (docs/openapi.json).
export interface Organization { id: string; name: string; description: string; state: 'approved' | 'pending' | 'rejected'; created_at: string; deleted_at?: string | null }
export interface MyMembership { organization: Organization; role: string | null; rights: string[] }
export interface Member { user_id: string; role: string | null; rights: string[] }
export interface Role { id: string; rights: string[]; builtin: boolean }
export interface Invitation { id: string; email: string; role: string | null; state: string; expires_at: string; invited_by: string; organization_id: string | null }
export interface ApiKey { id: string; name: string; rights: string[]; created_at: string; expires_at: string | null }
export interface CreatedKey extends ApiKey { key: string }
export interface User { id: string; first_name: string; last_name: string; email: string; state: string; admin: boolean; deleted_at?: string | null }
export interface Entity { id: string; kind: string; name: string; description: string }
export interface Collaborator { user_id?: string; organization_id?: string; rights: string[] }
export interface Settings { org_registration_enabled: boolean; org_registration_auto_approve: boolean; token_ttl_seconds: number; invitation_ttl_hours: number; restore_window_hours: number }
export interface Notification { id: string; kind: string; to: string[]; created_at: string; undelivered?: string[] }
